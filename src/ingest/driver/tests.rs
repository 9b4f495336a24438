//! The options fingerprint is stored in every lake's manifest: pinned to the text it had
//! when platform, action, date_range and mapping were fields of `InputOptions`.

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::InputOptions;
use crate::ingest::options::RawOptions;

fn raw(pairs: &[(&str, toml::Value)]) -> RawOptions {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// The fingerprint as it was computed before per-format options (the old code, verbatim
/// but for the fields passed as arguments).
#[allow(clippy::too_many_arguments)]
fn old(
    o: &InputOptions,
    platform: Option<&str>,
    action: Option<&str>,
    date_range: Option<(NaiveDate, NaiveDate)>,
    mapping: Option<&toml::Table>,
) -> String {
    let mut h = Sha256::new();
    let s = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
        o.format,
        o.campaign,
        platform.map(str::to_string),
        o.tz,
        action.map(str::to_string),
        o.targets,
        date_range,
        mapping.map(|m| m.to_string()).unwrap_or_default()
    );
    h.update(s.as_bytes());
    if let Some(site) = &o.site {
        h.update(format!("|site={site}").as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

#[test]
fn fingerprints_of_the_old_options_are_unchanged() {
    // Hex from sha256 of the old texts (python: hashlib.sha256(text).hexdigest()[:16]):
    // "None|None|None|None|None|[]|None|"
    assert_eq!(InputOptions::default().fingerprint(), "bd26c4ae837f845d");
    let full = InputOptions {
        format: Some("ua-csv".into()),
        campaign: Some("kenya".into()),
        tz: Some("Africa/Nairobi".into()),
        targets: vec!["shell".into()],
        site: None,
        raw: raw(&[
            ("platform", "facebook".into()),
            ("action", "sign_petition".into()),
            ("date_range", "2017-01-01..2017-01-31".into()),
        ]),
    };
    // "Some(\"ua-csv\")|Some(\"kenya\")|Some(\"facebook\")|Some(\"Africa/Nairobi\")|
    //  Some(\"sign_petition\")|[\"shell\"]|Some((2017-01-01, 2017-01-31))|"
    assert_eq!(full.fingerprint(), "c6b43690b6155a78");
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let range = Some((d("2017-01-01"), d("2017-01-31")));
    assert_eq!(full.fingerprint(), old(&full, Some("facebook"), Some("sign_petition"), range, None));
    // The same range written with spaces is the same range.
    let mut spaced = full.clone();
    spaced.raw.insert("date_range".into(), " 2017-01-01 .. 2017-01-31".into());
    assert_eq!(spaced.fingerprint(), full.fingerprint());

    // The demo's petition input, with a site: "...|Some(\"sign_petition\")|[\"shell\"]|None|"
    // then "|site=www.example.org".
    let petition = InputOptions {
        campaign: Some("shell".into()),
        targets: vec!["shell".into()],
        site: Some("www.example.org".into()),
        raw: raw(&[("action", "sign_petition".into())]),
        ..InputOptions::default()
    };
    assert_eq!(petition.fingerprint(), "97d8a74a46091c29");

    let mapping: toml::Table =
        toml::from_str("table = \"posts\"\n[columns]\npost_id = \"Id\"\nposted_at = \"Time\"\n").unwrap();
    let mapped = InputOptions {
        tz: Some("Europe/London".into()),
        raw: raw(&[("mapping", toml::Value::Table(mapping.clone()))]),
        ..InputOptions::default()
    };
    assert_eq!(mapped.fingerprint(), old(&mapped, None, None, None, Some(&mapping)));
    assert_ne!(
        mapped.fingerprint(),
        InputOptions { tz: Some("Europe/London".into()), ..InputOptions::default() }.fingerprint()
    );
}
