//! Per-format options: the keys an adapter reads besides the common ones (format, campaign,
//! tz, targets, site).
//!
//! An adapter declares its keys ([`OptionKey`], in its own file, or in [`keys`] when several
//! formats read the same key) in [`Adapter::options`] and parses them into its own serde
//! struct in [`Adapter::parse_options`]; it reads them back with [`Ctx::options`]. The
//! `ingest` flags, the pipeline's `[[inputs]]` keys, `validate`'s description and the
//! manifest's options fingerprint are all built from [`all_keys`], so adding an option to
//! one format is an edit of that format's file only.
//!
//! Before detection the format is unknown, so an input's keys travel raw ([`RawOptions`],
//! checked and resolved on entry) until the driver has chosen the adapter, which parses the
//! keys it declares once per input (the others are ignored, as they always were).
//!
//! [`Adapter::options`]: super::Adapter::options
//! [`Adapter::parse_options`]: super::Adapter::parse_options
//! [`Ctx::options`]: super::Ctx::options

use std::any::Any;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use toml::Value;

/// One option key an adapter reads: a pipeline `[[inputs]]` key and an `ingest` flag.
pub struct OptionKey {
    /// The pipeline key (`date_range`); the flag is `--` and the name with `_` as `-`.
    pub name: &'static str,
    /// The flag's value in `--help` (`FROM..TO`).
    pub value_name: &'static str,
    /// The flag's one-line `--help` text (no final full stop, as clap prints doc comments).
    pub help: &'static str,
    /// Its position among the `ingest` flags (and the pipeline keys in messages): the common
    /// flags hold 0-2 (tied with the global flags), 40, 60, 90 and up (cli.rs).
    pub order: usize,
    /// A command-line value checked (clap's value parser: an error is a usage error).
    pub from_cli: fn(&str) -> Result<Value, String>,
    /// A value as written in a pipeline, or as [`Self::from_cli`] gave it, checked and
    /// resolved (file names against `base`).
    pub resolve: fn(Value, &Path) -> Result<Value, String>,
    /// `validate`'s words for a set value ("covers 2017-01-01..2017-01-31"); None: silent.
    pub describe: fn(&Value) -> Option<String>,
    /// Its slot in the options fingerprint of the keys that existed before per-format
    /// options (the manifest must not change: see [`fingerprint_text`]); None for new keys.
    pub legacy: Option<Legacy>,
    /// Giving it chooses its format when none is named (a mapping means custom-csv).
    pub selects_format: bool,
    /// Its value is a file name (shells then complete file names).
    pub names_a_file: bool,
}

/// The keys of the fingerprint as it was when every option was a field of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    Platform,
    Action,
    DateRange,
    Mapping,
}

/// An input's per-format keys as given (before its format is known), resolved.
pub type RawOptions = toml::Table;

/// A format's parsed options (its own struct), handed to its adapter through `Ctx`.
pub type Parsed = Arc<dyn Any + Send + Sync>;

/// Parses the keys `keys` of `raw` into `T`; the other keys belong to other formats.
pub fn parse<T: serde::de::DeserializeOwned + Send + Sync + 'static>(
    raw: &RawOptions,
    keys: &[&OptionKey],
) -> Result<Parsed, String> {
    let mine: toml::Table = raw
        .iter()
        .filter(|(k, _)| keys.iter().any(|o| o.name == k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let t: T = Value::Table(mine).try_into().map_err(|e: toml::de::Error| e.message().trim().to_string())?;
    Ok(Arc::new(t))
}

/// Every key of every registered adapter, once, in `order`.
pub fn all_keys() -> Vec<&'static OptionKey> {
    let mut v: Vec<&'static OptionKey> = Vec::new();
    for a in super::REGISTRY {
        for k in a.options() {
            if !v.iter().any(|o| o.name == k.name) {
                v.push(k);
            }
        }
    }
    v.sort_by_key(|k| k.order);
    v
}

/// The key named `name`, if an adapter declares it.
pub fn key(name: &str) -> Option<&'static OptionKey> {
    all_keys().into_iter().find(|k| k.name == name)
}

/// The fingerprint text of the per-format keys, in the form it had when they were fields
/// of their own: `(platform, action, date_range, mapping)` as Debug of `Option<String>`,
/// `Option<String>`, `Option<(NaiveDate, NaiveDate)>` and the mapping table's TOML text
/// (empty when absent); then `|key=value` for every newer key that is set, sorted by key.
pub fn fingerprint_text(raw: &RawOptions) -> ([String; 4], String) {
    let slot = |l: Legacy| {
        let v = all_keys().into_iter().find(|k| k.legacy == Some(l)).and_then(|k| raw.get(k.name));
        match l {
            Legacy::Platform | Legacy::Action => format!("{:?}", v.and_then(Value::as_str)),
            Legacy::DateRange => format!("{:?}", v.and_then(Value::as_str).and_then(|s| parse_range(s).ok())),
            Legacy::Mapping => v.and_then(Value::as_table).map(|t| t.to_string()).unwrap_or_default(),
        }
    };
    let legacy = [slot(Legacy::Platform), slot(Legacy::Action), slot(Legacy::DateRange), slot(Legacy::Mapping)];
    let mut newer = String::new();
    let mut set: Vec<(&String, &Value)> =
        raw.iter().filter(|(k, _)| key(k).is_some_and(|o| o.legacy.is_none())).collect();
    set.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in set {
        newer.push_str(&format!("|{k}={v}"));
    }
    (legacy, newer)
}

/// `FROM..TO`, inclusive dates.
pub fn parse_range(s: &str) -> Result<(NaiveDate, NaiveDate), String> {
    let (a, b) = s.split_once("..").ok_or("expected FROM..TO, e.g. 2017-01-01..2017-01-31")?;
    let d = |x: &str| {
        NaiveDate::parse_from_str(x.trim(), "%Y-%m-%d").map_err(|_| format!("'{x}' is not a date like 2017-01-31"))
    };
    let (a, b) = (d(a)?, d(b)?);
    if b < a {
        return Err(format!("the range ends ({b}) before it starts ({a})"));
    }
    Ok((a, b))
}

/// Deserializes a `FROM..TO` string (for an options struct's `deserialize_with`).
pub fn date_range<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<(NaiveDate, NaiveDate)>, D::Error> {
    let s: Option<String> = serde::Deserialize::deserialize(d)?;
    s.map(|s| parse_range(&s)).transpose().map_err(serde::de::Error::custom)
}

/// A command-line value kept as written.
pub fn cli_text(s: &str) -> Result<Value, String> {
    Ok(Value::String(s.to_string()))
}

/// A value that must be a string, kept as written (the error in serde's words).
pub fn a_string(v: Value, _base: &Path) -> Result<Value, String> {
    match v {
        Value::String(_) => Ok(v),
        Value::Integer(_) | Value::Float(_) | Value::Boolean(_) => {
            Err(format!("invalid type: {} `{v}`, expected a string", v.type_str()))
        }
        other => Err(format!("invalid type: {}, expected a string", other.type_str())),
    }
}

/// Says nothing in `validate`.
pub fn silent(_: &Value) -> Option<String> {
    None
}

/// Keys read by more than one format.
pub mod keys {
    use super::*;

    /// actions-csv (the default of a blank platform cell), meta-business-suite-csv.
    pub static PLATFORM: OptionKey = OptionKey {
        name: "platform",
        value_name: "NAME",
        help: "The platform, for formats that serve several (meta-business-suite-csv: facebook or instagram)",
        order: 30,
        // The command line lower-cases it, a pipeline does not (the fingerprint shows the
        // difference, so it stays); both adapters compare without case.
        from_cli: |s| Ok(Value::String(s.to_lowercase())),
        resolve: a_string,
        describe: silent,
        legacy: Some(Legacy::Platform),
        selects_format: false,
        names_a_file: false,
    };

    /// action-network-csv, action-network-json.
    pub static ACTION: OptionKey = OptionKey {
        name: "action",
        value_name: "VERB",
        help: "The action of exports whose rows don't say what was done (an Action Network petition export: sign_petition)",
        order: 50,
        from_cli: cli_text,
        resolve: a_string,
        describe: silent,
        legacy: Some(Legacy::Action),
        selects_format: false,
        names_a_file: false,
    };

    /// ua-csv, matomo-csv.
    pub static DATE_RANGE: OptionKey = OptionKey {
        name: "date_range",
        value_name: "FROM..TO",
        help: "The days a report without a date column covers (UA range exports, Matomo getAll), FROM..TO inclusive, e.g. 2017-01-01..2017-01-31",
        order: 70,
        from_cli: |s| parse_range(s).map(|_| Value::String(s.to_string())),
        resolve: |v, base| {
            let v = a_string(v, base)?;
            parse_range(v.as_str().unwrap_or_default())?;
            Ok(v)
        },
        describe: |v| v.as_str().and_then(|s| parse_range(s).ok()).map(|(a, b)| format!("covers {a}..{b}")),
        legacy: Some(Legacy::DateRange),
        selects_format: false,
        names_a_file: false,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_the_same_name_are_the_same_key() {
        // all_keys keeps the first of a name: two formats declaring different keys of one
        // name would silently lose one.
        for a in crate::ingest::REGISTRY {
            for k in a.options() {
                let first = key(k.name).unwrap();
                assert!(std::ptr::eq(first, *k), "{}: its key '{}' is not the shared one", a.name(), k.name);
            }
        }
        // The keys of the old fingerprint are declared, each holding its own slot.
        for (name, slot) in [
            ("platform", Legacy::Platform),
            ("action", Legacy::Action),
            ("date_range", Legacy::DateRange),
            ("mapping", Legacy::Mapping),
        ] {
            assert_eq!(key(name).and_then(|k| k.legacy), Some(slot), "{name}");
            assert_eq!(all_keys().iter().filter(|k| k.legacy == Some(slot)).count(), 1, "{name}");
        }
    }

    #[test]
    fn an_adapter_parses_only_its_own_keys() {
        use crate::ingest::{ua_csv, Adapter};
        let raw: RawOptions =
            toml::from_str("platform = \"facebook\"\ndate_range = \"2017-01-01..2017-01-31\"").unwrap();
        let parsed = ua_csv::ADAPTER.parse_options(&raw).unwrap();
        let o = parsed.downcast_ref::<ua_csv::UaCsvOptions>().unwrap();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(o.date_range, Some((d("2017-01-01"), d("2017-01-31"))));
        // A value of the wrong type is the adapter's error, naming the key.
        let bad: RawOptions = toml::from_str("date_range = 3").unwrap();
        let e = ua_csv::ADAPTER.parse_options(&bad).unwrap_err();
        assert_eq!(e, "invalid type: integer `3`, expected a string");
    }
}
