//! Helpers shared by the supporter-export adapters (actions CSV, Action Network CSV and
//! JSON, the custom CSV mapping): the canonical verbs, actor pseudonyms, supporter-export
//! times, the keyed row hash, Action Network's referrer and source codes.

use chrono::{NaiveDate, NaiveDateTime};

use super::util;
use crate::ingest::Ctx;
use crate::model::Micros;

/// The lake's canonical action verbs (docs/lake.md#actions; others are allowed).
pub(crate) const VERBS: &[&str] = &[
    "like",
    "reaction",
    "favorite",
    "follow",
    "share",
    "retweet",
    "quote",
    "post",
    "comment",
    "reply",
    "mention_target",
    "email_target",
    "call_target",
    "sign_petition",
    "pledge",
    "donate",
    "attend_event",
    "volunteer",
    "host_event",
    "organize",
];

/// Says the row's content is deliberately left out of a message.
pub(crate) const NOT_SHOWN: &str = "the value is not shown: supporter exports hold personal data";

/// The verb list for messages.
pub(crate) fn verb_list() -> String {
    VERBS.join(", ")
}

/// True for a cell holding an e-mail address (an `@` after the first character).
pub(crate) fn is_email(s: &str) -> bool {
    s.find('@').is_some_and(|i| i > 0 && i + 1 < s.len())
}

/// The pseudonym of an actor cell: e-mail, `@handle` or platform user id (see the module doc).
pub(crate) fn actor_id(cx: &Ctx, platform: &str, raw: &str) -> String {
    let t = raw.trim();
    if is_email(t) {
        cx.pseudo.email(t)
    } else if t.starts_with('@') {
        cx.pseudo.id(platform, &util::handle(t))
    } else {
        cx.pseudo.id(platform, t)
    }
}

/// A supporter-export time: ISO 8601 with an offset; `... UTC`; or a local time in `tz`
/// (`YYYY-MM-DD HH:MM[:SS[.f]]`, with `T` or a space, or a bare date at 00:00). With
/// `us_dates`, also `MM/DD/YYYY HH:MM[:SS]` (24 h or with AM/PM) and `MM/DD/YYYY`.
/// Blank is `Ok(None)`; anything else `Err(())` (the caller must not quote the cell).
pub(crate) fn parse_time(s: &str, tz: chrono_tz::Tz, us_dates: bool) -> Result<Option<Micros>, ()> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Some(m) = util::parse_iso(t) {
        return Ok(Some(m));
    }
    let (body, zone) = match t.strip_suffix(" UTC").or_else(|| t.strip_suffix(" GMT")) {
        Some(b) => (b.trim_end(), chrono_tz::UTC),
        None => (t, tz),
    };
    const ISO_LOCAL: &[&str] = &["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"];
    const US_LOCAL: &[&str] = &["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p"];
    let layouts = ISO_LOCAL.iter().chain(if us_dates { US_LOCAL } else { &[] });
    for f in layouts {
        if let Ok(n) = NaiveDateTime::parse_from_str(body, f) {
            return util::local_to_utc(n, zone).map(Some).ok_or(());
        }
    }
    let dates: &[&str] = if us_dates { &["%Y-%m-%d", "%m/%d/%Y"] } else { &["%Y-%m-%d"] };
    for f in dates {
        if let Ok(d) = NaiveDate::parse_from_str(body, f) {
            return util::local_to_utc(d.and_time(chrono::NaiveTime::MIN), zone).map(Some).ok_or(());
        }
    }
    Err(())
}

/// What the time layouts accepted by [`parse_time`] look like, for reject messages.
pub(crate) fn time_layouts(us_dates: bool) -> &'static str {
    if us_dates {
        "expected a date and time like 2024-03-05 14:22:31, 2024-03-05T14:22:31Z or 03/05/2024 14:22, \
         between 1990-01-01 and 2099-12-31"
    } else {
        "expected a date and time like 2024-03-05 14:22:31 or 2024-03-05T14:22:31Z, between 1990-01-01 and 2099-12-31"
    }
}

/// Non-blank text, else None.
pub(crate) fn opt(s: &str) -> Option<String> {
    util::non_empty(s)
}

/// The de-duplication key of a canonical action row without its own key: a keyed hash of
/// (actor pseudonym, verb, time, platform, post id), so the same action listed by two
/// inputs counts once and the key reveals nothing.
pub(crate) fn row_key(
    cx: &Ctx,
    actor_id: &str,
    verb: &str,
    t: Micros,
    platform: &str,
    post_id: Option<&str>,
) -> String {
    let parts = [actor_id, verb, &t.0.to_string(), platform, post_id.unwrap_or("")];
    format!("crm:{}", cx.pseudo.id("actions_csv_row", &parts.join("\u{1f}")))
}

/// Rejects a `platform` or `action` cell that looks like personal data (named, not shown).
pub(crate) fn personal_cell(what: &str, v: &str) -> Option<String> {
    crate::privacy::text_shape(v)
        .map(|shape| format!("expected {what}, found what looks like {}; {NOT_SHOWN}", shape.describe()))
}

/// `medium` from an Action Network referrer code (see the module doc).
pub(crate) fn referrer_medium(code: &str) -> Option<String> {
    let c = code.trim();
    if c.is_empty() || c.eq_ignore_ascii_case("none") {
        None
    } else if c.to_ascii_lowercase().starts_with("group-") {
        Some(c.to_lowercase())
    } else {
        Some("referral".into())
    }
}

/// A source code, with Action Network's `none` as null.
pub(crate) fn source_code(code: &str) -> Option<String> {
    opt(code).filter(|c| !c.eq_ignore_ascii_case("none"))
}

/// The options of both Action Network formats: the verb of rows that do not say what was done.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ActionNetworkOptions {
    pub action: Option<String>,
}

/// The action verb the input gives (`action`), if any.
pub(crate) fn verb_from_input(cx: &Ctx) -> Option<String> {
    cx.options::<ActionNetworkOptions>().action.as_deref().map(|a| a.trim().to_lowercase()).filter(|a| !a.is_empty())
}
