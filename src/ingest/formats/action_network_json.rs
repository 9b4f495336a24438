//! `action-network-json`: Action Network API v2 and webhook objects (OSDI): collection
//! pages, webhook bodies (or a receiver's log, one per line) and single resources. Each
//! action object is one `actions` row, platform `action_network`.
//!
//! Readings to keep:
//! - Verb by type: signature sign_petition, attendance attend_event, donation donate, submission `--action` else
//!   submit_form, outreach email_target (`phone` outreach call_target); `occurred_at` = `created_date`.
//! - Actor: primary (else first) e-mail via `pseudo.email`, else AN id via `pseudo.id("action_network", id)`.
//! - API (id) and webhook (e-mail) pseudonyms of one person cannot be joined; an object naming nobody is rejected.
//! - `action_key` = `an:` + keyed hash of `action_network:<uuid>`, else of (actor, time, verb).
//! - `source` from referrer_data; `medium` from its referrer code as `action-network-csv`; `none` null; no `website`.
//! - `post_id` null: actions join a campaign by tag only.
//! - `country`: the person's primary postal address's `country` (else the first address's),
//!   as an ISO alpha-2 code; nothing else of an address is read; unknown values null, one warning.
//! - `declined` attendances skipped (one warning); other types skipped, naming only `osdi:`/`action_network:` ones.
//! - Rejects keep line and field, never the object; no personal field is ever copied; source/referrer codes screened.
//! - A truncated last line of a log is a warning.
//!
//! User docs: docs/formats.md#action-network-json, docs/lake.md#pseudonymisation.

use std::collections::{BTreeMap, HashMap};

use serde_json::value::RawValue;
use serde_json::Value;

use crate::ingest::common::actions::{referrer_medium, source_code, verb_from_input, ActionNetworkOptions};
use crate::ingest::common::country::Countries;
use crate::ingest::common::util;
use crate::ingest::options::{self, OptionKey, Parsed, RawOptions};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Warning, Writes};
use crate::model::{Action, Micros};
use crate::privacy::CellScreen;

pub struct ActionNetworkJson;
pub static ADAPTER: ActionNetworkJson = ActionNetworkJson;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Signature,
    Attendance,
    Donation,
    Submission,
    Outreach,
}

/// (collection key, webhook key, link to the parent, id field of the parent, kind)
const KINDS: &[(&str, &str, &str, &str, Kind)] = &[
    ("osdi:signatures", "osdi:signature", "osdi:petition", "action_network:petition_id", Kind::Signature),
    ("osdi:attendances", "osdi:attendance", "osdi:event", "action_network:event_id", Kind::Attendance),
    ("osdi:donations", "osdi:donation", "osdi:fundraising_page", "action_network:fundraising_page_id", Kind::Donation),
    ("osdi:submissions", "osdi:submission", "osdi:form", "action_network:form_id", Kind::Submission),
    (
        "osdi:outreaches",
        "osdi:outreach",
        "osdi:advocacy_campaign",
        "action_network:advocacy_campaign_id",
        Kind::Outreach,
    ),
];

/// Maps byte offsets of sub-slices of the text to 1-based line numbers (offsets visited in
/// increasing order are counted incrementally).
struct Lines<'t> {
    text: &'t str,
    off: usize,
    line: u64,
}

impl<'t> Lines<'t> {
    fn of(&mut self, part: &str) -> u64 {
        let at = (part.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize).min(self.text.len());
        if at < self.off {
            self.off = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.off..at]).count() as u64;
        self.off = at;
        self.line
    }
}

struct Reader<'c, 'a, 't> {
    cx: &'c Ctx<'a>,
    lines: Lines<'t>,
    declined: u64,
    skipped: BTreeMap<String, u64>,
    screen: CellScreen,
    countries: Countries,
}

/// An object type as a warning may name it: Action Network's own, else a placeholder.
fn type_name(key: &str) -> String {
    let known = ["osdi:", "action_network:"].iter().any(|ns| key.starts_with(ns))
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '-');
    if known {
        key.to_string()
    } else {
        "(objects of a type not shown)".to_string()
    }
}

impl<'t> Reader<'_, '_, 't> {
    /// A top-level value: a webhook array, a page, a wrapper or a resource.
    fn top(&mut self, raw: &'t RawValue, out: &mut dyn Out) -> Result<(), String> {
        let s = raw.get();
        if s.starts_with('[') {
            let items: Vec<&RawValue> = serde_json::from_str(s).map_err(|e| format!("invalid JSON: {e}"))?;
            for item in items {
                self.item(item, out)?;
            }
            Ok(())
        } else if s.starts_with('{') {
            self.item(raw, out)
        } else {
            Err("expected an Action Network object or array".into())
        }
    }

    /// An object: a collection page, a webhook wrapper, or a bare resource.
    fn item(&mut self, raw: &'t RawValue, out: &mut dyn Out) -> Result<(), String> {
        let Ok(obj) = serde_json::from_str::<HashMap<String, &RawValue>>(raw.get()) else {
            *self.skipped.entry("(not an object)".into()).or_default() += 1;
            return Ok(());
        };
        if let Some(emb) = obj.get("_embedded") {
            let emb: HashMap<String, &RawValue> = serde_json::from_str(emb.get()).unwrap_or_default();
            let mut any = false;
            for &(coll, _, _, _, kind) in KINDS {
                if let Some(list) = emb.get(coll) {
                    any = true;
                    let list: Vec<&RawValue> =
                        serde_json::from_str(list.get()).map_err(|_| format!("`_embedded.{coll}` is not an array"))?;
                    for r in list {
                        self.resource(kind, r, out);
                    }
                }
            }
            if any {
                return Ok(());
            }
            for k in emb.keys() {
                *self.skipped.entry(type_name(k)).or_default() += 1;
            }
            return Ok(());
        }
        let mut wrapped = false;
        for &(_, one, _, _, kind) in KINDS {
            if let Some(r) = obj.get(one) {
                wrapped = true;
                self.resource(kind, r, out);
            }
        }
        if wrapped {
            return Ok(());
        }
        if let Some(kind) = bare_kind(&obj) {
            self.resource(kind, raw, out);
            return Ok(());
        }
        // A webhook wrapper of another type names it by its first key that is not the sponsor.
        let other = obj
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "action_network:sponsor" && *k != "idempotency_key")
            .find(|k| k.contains(':'))
            .unwrap_or("(object of unknown type)");
        *self.skipped.entry(type_name(other)).or_default() += 1;
        Ok(())
    }

    /// One action object.
    fn resource(&mut self, kind: Kind, raw: &'t RawValue, out: &mut dyn Out) {
        let line = self.lines.of(raw.get());
        out.rows(1);
        let reject = |out: &mut dyn Out, field: &str, error: &str| {
            out.reject(Reject { line, field: field.into(), error: error.into(), raw: None })
        };
        let v: Value = match serde_json::from_str(raw.get()) {
            Ok(v @ Value::Object(_)) => v,
            _ => return reject(out, "(json)", "expected an action object"),
        };
        let cx = self.cx;
        let verb = match kind {
            Kind::Signature => "sign_petition".to_string(),
            Kind::Attendance => {
                if str_at(&v, "/status").is_some_and(|s| s.eq_ignore_ascii_case("declined")) {
                    self.declined += 1;
                    return;
                }
                "attend_event".into()
            }
            Kind::Donation => "donate".into(),
            Kind::Submission => verb_from_input(cx).unwrap_or_else(|| "submit_form".into()),
            Kind::Outreach => match str_at(&v, "/type") {
                Some(t) if t.eq_ignore_ascii_case("phone") || t.eq_ignore_ascii_case("call") => "call_target".into(),
                _ => "email_target".into(),
            },
        };
        let occurred_at = match v.get("created_date") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => match util::parse_iso(s) {
                Some(t) => Some(t),
                None => {
                    return reject(
                        out,
                        "created_date",
                        "expected an ISO 8601 time like 2024-03-05T14:22:31Z, between 1990-01-01 and 2099-12-31; the value is not shown",
                    )
                }
            },
            Some(_) => return reject(out, "created_date", "expected an ISO 8601 time string"),
        };
        let Some(actor_id) = actor(cx, &v) else {
            return reject(
                out,
                "person",
                "no person: expected person.email_addresses, action_network:person_id or _links.osdi:person",
            );
        };
        let action_key = match identifier(&v) {
            Some(id) => Some(format!("an:{}", cx.pseudo.id("action_network_action", id))),
            None => occurred_at.map(|t: Micros| {
                let parts = [actor_id.as_str(), &t.0.to_string(), &verb];
                format!("an:{}", cx.pseudo.id("action_network_row", &parts.join("\u{1f}")))
            }),
        };
        let country = address_country(&v).and_then(|c| self.countries.read("postal_addresses.country", line, c));
        let refd = v.get("action_network:referrer_data").or_else(|| v.get("referrer_data"));
        let code = |k: &str| refd.and_then(|r| r.get(k)).and_then(Value::as_str).unwrap_or("");
        out.action(Action {
            platform: "action_network".into(),
            actor_id,
            action: verb,
            occurred_at,
            source: self.screen.text("action_network:referrer_data.source", line, source_code(code("source"))),
            medium: self.screen.text("action_network:referrer_data.referrer", line, referrer_medium(code("referrer"))),
            country,
            action_key,
            ..Default::default()
        });
    }
}

/// The type of a bare resource, from its parent link or parent id field.
fn bare_kind(obj: &HashMap<String, &RawValue>) -> Option<Kind> {
    let links: HashMap<String, &RawValue> =
        obj.get("_links").and_then(|l| serde_json::from_str(l.get()).ok()).unwrap_or_default();
    KINDS.iter().find(|(_, _, link, id, _)| links.contains_key(*link) || obj.contains_key(*id)).map(|k| k.4)
}

fn str_at<'v>(v: &'v Value, ptr: &str) -> Option<&'v str> {
    v.pointer(ptr).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// The action's own identifier: the first `action_network:` one, else the first.
fn identifier(v: &Value) -> Option<&str> {
    let ids: Vec<&str> = v.get("identifiers")?.as_array()?.iter().filter_map(Value::as_str).collect();
    ids.iter().find(|i| i.starts_with("action_network:")).or(ids.first()).copied().filter(|i| !i.trim().is_empty())
}

/// The `country` of the person's primary postal address, else of the first that has one.
fn address_country(v: &Value) -> Option<&str> {
    let person = v.get("person").or_else(|| v.pointer("/_embedded/osdi:person"))?;
    let addrs = person.get("postal_addresses")?.as_array()?;
    fn country(a: &Value) -> Option<&str> {
        a.get("country").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
    let primary = addrs.iter().find(|a| a.get("primary") == Some(&Value::Bool(true))).and_then(country);
    primary.or_else(|| addrs.iter().find_map(country))
}

/// The pseudonymised actor (see the module doc).
fn actor(cx: &Ctx, v: &Value) -> Option<String> {
    let person = v.get("person").or_else(|| v.pointer("/_embedded/osdi:person")).filter(|p| p.is_object());
    if let Some(addrs) = person.and_then(|p| p.get("email_addresses")).and_then(Value::as_array) {
        fn address(a: &Value) -> Option<&str> {
            a.get("address").and_then(Value::as_str).map(str::trim).filter(|s| s.contains('@'))
        }
        let primary = addrs.iter().find(|a| a.get("primary") == Some(&Value::Bool(true))).and_then(address);
        if let Some(mail) = primary.or_else(|| addrs.iter().find_map(address)) {
            return Some(cx.pseudo.email(mail));
        }
    }
    let from_href =
        |h: &str| h.split(['?', '#']).next().unwrap_or("").trim_end_matches('/').rsplit('/').next().map(str::to_string);
    let id = str_at(v, "/action_network:person_id")
        .map(str::to_string)
        .or_else(|| str_at(v, "/_links/osdi:person/href").and_then(from_href))
        .or_else(|| person.and_then(identifier).and_then(|i| i.strip_prefix("action_network:")).map(str::to_string))
        .filter(|s| !s.is_empty())?;
    Some(cx.pseudo.id("action_network", &id))
}

impl Adapter for ActionNetworkJson {
    fn options(&self) -> &'static [&'static OptionKey] {
        static KEYS: &[&OptionKey] = &[&options::keys::ACTION];
        KEYS
    }
    fn parse_options(&self, raw: &RawOptions) -> Result<Parsed, String> {
        options::parse::<ActionNetworkOptions>(raw, self.options())
    }
    fn name(&self) -> &'static str {
        "action-network-json"
    }
    fn about(&self) -> &'static str {
        "Action Network API v2 / webhook JSON (signatures, attendances, donations, submissions, outreaches)"
    }
    fn writes(&self) -> Writes {
        Writes::Actions
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir || !matches!(probe.head.trim_start().chars().next(), Some('{' | '[')) {
            return 0;
        }
        let keyed = |k: &str| probe.head.contains(&format!("\"{k}\""));
        let action_key = KINDS.iter().any(|(coll, one, ..)| keyed(coll) || keyed(one));
        if action_key || keyed("action_network:referrer_data") {
            90
        } else if keyed("action_network:person_id") {
            60
        } else {
            0
        }
    }
    fn personal_data(&self) -> bool {
        true
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let text = input.read_text()?;
        let mut rd = Reader {
            cx,
            lines: Lines { text: &text, off: 0, line: 1 },
            declined: 0,
            skipped: BTreeMap::new(),
            screen: CellScreen::default(),
            countries: Countries::default(),
        };
        // The whole file as a sequence of JSON values (one document, or JSON Lines).
        let values: Result<Vec<&RawValue>, serde_json::Error> =
            serde_json::Deserializer::from_str(&text).into_iter::<&RawValue>().collect();
        match values {
            Ok(values) => {
                for v in values {
                    if let Err(e) = rd.top(v, out) {
                        let line = rd.lines.of(v.get());
                        return Err(cx.err_at(line, "(json)", e));
                    }
                }
            }
            Err(e) => {
                let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
                let jsonl = text.lines().filter(|l| !l.trim().is_empty()).count() > 1
                    && serde_json::from_str::<&RawValue>(first).is_ok();
                if !jsonl {
                    return Err(cx.err_at(e.line() as u64, "(json)", format!("invalid JSON: {e}")));
                }
                read_log(&mut rd, &text, out);
            }
        }
        if rd.declined > 0 {
            out.warn(format!(
                "{}: {} attendance(s) with status 'declined' skipped (not an action)",
                cx.source_file, rd.declined
            ));
        }
        for w in rd.screen.warnings(&cx.source_file).into_iter().chain(rd.countries.warnings(&cx.source_file)) {
            out.warning(w);
        }
        if !rd.skipped.is_empty() {
            let kinds: Vec<String> = rd.skipped.iter().map(|(k, n)| format!("{k} ({n})")).collect();
            out.warn(format!("{}: skipped objects that are not actions: {}", cx.source_file, kinds.join(", ")));
        }
        Ok(())
    }
}

/// A JSON error within one line of a log, without serde's "at line 1" (the reject has the line).
fn line_json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    format!("invalid JSON at column {}: {}", e.column(), msg.strip_suffix(&suffix).unwrap_or(&msg))
}

/// A log with one JSON value per line: a bad line is a reject (a truncated last line a
/// warning), the others are read.
fn read_log<'t>(rd: &mut Reader<'_, '_, 't>, text: &'t str, out: &mut dyn Out) {
    let mut lineno = 0u64;
    let mut rest = text;
    while !rest.is_empty() {
        let (line, next, terminated) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..], true),
            None => (rest, "", false),
        };
        rest = next;
        lineno += 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Result<Vec<&RawValue>, serde_json::Error> =
            serde_json::Deserializer::from_str(line).into_iter::<&RawValue>().collect();
        let err = match parsed {
            Ok(values) => values.into_iter().find_map(|v| rd.top(v, out).err()),
            Err(e) if !terminated && rest.is_empty() && e.is_eof() => {
                out.warning(Warning::at(
                    &rd.cx.source_file,
                    lineno,
                    "the last line is truncated (an interrupted log?); skipped",
                ));
                continue;
            }
            Err(e) => Some(line_json_error(&e)),
        };
        if let Some(error) = err {
            out.rows(1);
            out.reject(Reject { line: lineno, field: "(json)".into(), error, raw: None });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testkit::actions::{debug_all, detect_file, fixture, key, sample, OTHER_SAMPLES};
    use crate::ingest::{collect, Collected};

    fn run(rel: &str, action: Option<&str>) -> Result<Collected, FileError> {
        let pseudo = key();
        let mut cx = Ctx::new(rel, &pseudo);
        cx.options = std::sync::Arc::new(ActionNetworkOptions { action: action.map(str::to_string) });
        collect(&ADAPTER, &fixture(rel), &cx)
    }

    fn secs(a: &Action) -> Option<i64> {
        a.occurred_at.map(|m| m.0 / 1_000_000)
    }

    #[test]
    fn api_collection_page() {
        let got = run("action-network-json/signatures_page.json", None).unwrap();
        let pseudo = key();
        // 3 embedded signatures (the 3 links in `_links` are not rows); the third has an
        // unreadable created_date: rejected at line 86, where its object starts.
        assert_eq!((got.rows, got.actions.len()), (3, 2));
        let a = &got.actions[0];
        assert_eq!(a.action, "sign_petition");
        assert_eq!(a.platform, "action_network");
        // Only the person id is there: the id pseudonym.
        assert_eq!(a.actor_id, pseudo.id("action_network", "f2a1c9de-0b8e-4c57-9b4b-2d4a7a6f0e11"));
        assert_eq!(secs(a), Some(1_709_648_551)); // 2024-03-05T14:22:31Z
        assert_eq!((a.source.as_deref(), a.medium.as_deref()), (Some("facebook"), Some("group-clean-air-ny")));
        let k =
            format!("an:{}", pseudo.id("action_network_action", "action_network:d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3"));
        assert_eq!(a.action_key.as_deref(), Some(k.as_str()));
        // The second only links its person: the id is the href's last segment; `none` codes are null.
        let b = &got.actions[1];
        assert_eq!(b.actor_id, pseudo.id("action_network", "0a7b3c5d-9e1f-4a2b-8c3d-4e5f6a7b8c9d"));
        assert_eq!((b.source.as_deref(), b.medium.as_deref()), (None, None));
        assert_eq!(secs(b), Some(1_709_651_220)); // 2024-03-05T15:07:00Z
        assert_eq!(got.rejects.len(), 1);
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (86, "created_date"));
        assert!(!got.rejects[0].error.contains("yesterday"));
        assert!(got.rejects[0].raw.is_none());
    }

    #[test]
    fn webhook_batch() {
        let got = run("action-network-json/webhook_batch.json", Some("volunteer")).unwrap();
        let pseudo = key();
        // 8 wrappers = 8 rows: 1 declined attendance skipped, 1 signature naming nobody
        // rejected (its object starts at line 366), 6 actions.
        assert_eq!((got.rows, got.actions.len(), got.rejects.len()), (8, 6, 1));
        let verbs: Vec<&str> = got.actions.iter().map(|a| a.action.as_str()).collect();
        // The submission takes --action; the phone outreach is a call.
        assert_eq!(verbs, ["sign_petition", "attend_event", "donate", "volunteer", "email_target", "call_target"]);
        let t: Vec<Option<i64>> = got.actions.iter().map(secs).collect();
        // 2024-03-05T14:22:31Z, 03-06T23:10:00Z, 03-07T19:45:12Z, 03-08T12:00:00Z, 03-09T16:20:00Z, 03-09T17:02:30Z
        let want = [1_709_648_551, 1_709_766_600, 1_709_840_712, 1_709_899_200, 1_710_001_200, 1_710_003_750];
        assert_eq!(t, want.map(Some));
        // The primary address wins over the first, and is lower-cased: the outreach by the
        // same person (written in lower case) has the same actor.
        assert_eq!(got.actions[0].actor_id, pseudo.email("harriet.okonkwo@example.org"));
        assert_eq!(got.actions[4].actor_id, got.actions[0].actor_id);
        // A person's referrer code is not kept, only that there was one.
        assert_eq!(got.actions[0].medium.as_deref(), Some("referral"));
        assert_eq!(got.actions[0].source.as_deref(), Some("email_0305"));
        assert_eq!(got.actions[1].medium.as_deref(), Some("group-clean-air-chicago"));
        // The caller has only a phone number: the person link's id, never the number.
        assert_eq!(got.actions[5].actor_id, pseudo.id("action_network", "8c9d0e1f-2a3b-4c5d-9e6f-7a8b9c0d1e2f"));
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (366, "person"));
        // The primary postal address's country (the signature, the attendance, the
        // donation); the submission and the two outreaches name no address.
        let c: Vec<Option<&str>> = got.actions.iter().map(|a| a.country.as_deref()).collect();
        assert_eq!(c, [Some("US"), Some("US"), Some("US"), None, None, None]);
        assert_eq!(got.warnings.len(), 1);
        assert!(got.warnings[0].contains("1 attendance(s) with status 'declined'"), "{:?}", got.warnings);
        // Without --action a submission is `submit_form`.
        let plain = run("action-network-json/webhook_batch.json", None).unwrap();
        assert_eq!(plain.actions[3].action, "submit_form");
    }

    #[test]
    fn single_resource() {
        let got = run("action-network-json/single_attendance.json", None).unwrap();
        assert_eq!((got.rows, got.actions.len()), (1, 1));
        let a = &got.actions[0];
        assert_eq!(a.action, "attend_event");
        assert_eq!(secs(a), Some(1_708_289_579)); // 2024-02-18T20:52:59Z
        assert_eq!(a.actor_id, key().id("action_network", "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f"));
        assert_eq!(a.source.as_deref(), Some("newsletter"));
    }

    #[test]
    fn webhook_log_lines() {
        let got = run("action-network-json/webhook_log.jsonl", None).unwrap();
        // Line 1: a signature; line 2: broken JSON, rejected; line 3: an attendance wrapper
        // without an array; line 4: cut mid-object at the end of the file: a warning.
        assert_eq!((got.rows, got.actions.len()), (3, 2));
        assert_eq!(got.actions[0].action, "sign_petition");
        assert_eq!(secs(&got.actions[0]), Some(1_712_049_300)); // 2024-04-02T09:15:00Z
        assert_eq!(got.actions[0].medium.as_deref(), Some("group-clean-air-vt"));
        assert_eq!(got.actions[1].action, "attend_event");
        assert_eq!(secs(&got.actions[1]), Some(1_712_080_800)); // 2024-04-02T18:00:00Z
        assert_eq!(got.rejects.len(), 1);
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (2, "(json)"));
        assert_eq!(got.rejects[0].error, "invalid JSON at column 148: EOF while parsing an object");
        assert_eq!(got.warnings.len(), 1);
        assert!(got.warnings[0].contains("line 4: the last line is truncated"), "{:?}", got.warnings);
    }

    #[test]
    fn personal_codes_and_object_types_are_not_kept() {
        use crate::ingest::testkit::actions::collect_text;
        let text = r#"[
          {"osdi:signature": {"created_date": "2024-03-05T14:22:31Z", "action_network:person_id": "p1",
            "action_network:referrer_data": {"source": "jo@example.org", "referrer": "group-x"}}},
          {"osdi:signature": {"created_date": "2024-03-05T14:22:31Z", "action_network:person_id": "p2",
            "action_network:referrer_data": {"source": "fb_ad", "referrer": "none"}}},
          {"jo@example.org:note": {}},
          {"osdi:tagging": {}}
        ]"#;
        let got = collect_text(&ADAPTER, "an.json", text, None).unwrap();
        let sources: Vec<Option<&str>> = got.actions.iter().map(|a| a.source.as_deref()).collect();
        assert_eq!(sources, vec![None, Some("fb_ad")]);
        assert_eq!(got.actions[0].medium.as_deref(), Some("group-x"));
        // The e-mail source, on line 2 where its object starts; the two skipped objects,
        // one type named, the other not.
        assert!(
            got.warnings[0].starts_with("an.json, line 2: 1 cell(s) of column 'action_network:referrer_data.source'"),
            "{:?}",
            got.warnings
        );
        assert!(got.warnings[1].ends_with("(objects of a type not shown) (1), osdi:tagging (1)"), "{:?}", got.warnings);
        assert!(!debug_all(&got).contains("jo@"), "{}", debug_all(&got));
    }

    #[test]
    fn nothing_personal_leaves_the_adapter() {
        let mut all = String::new();
        for f in ["signatures_page.json", "webhook_batch.json", "single_attendance.json", "webhook_log.jsonl"] {
            all += &debug_all(&run(&format!("action-network-json/{f}"), None).unwrap());
        }
        let needles = [
            "harriet",
            "okonkwo",
            "harbor lane",
            "rodrigo",
            "castellanos",
            "ingrid",
            "lindqvist",
            "tobias",
            "abernathy",
            "juniper",
            "constance",
            "fairweather",
            "keiko",
            "nakagawa",
            "lucinda",
            "thornbury",
            "quarry hill",
            "bartholomew",
            "ngata",
            "perpetua",
            "oyelaran",
            "gwendolyn",
            "gwen@",
            "example.",
            "2025550148",
            "13125550199",
            "18025550123",
            "11201",
            "60614",
            "78701",
            "05401",
            "desmond",
            "achterberg",
            "evelyn",
            "marchetti",
            "daughter",
            "senator",
            "f2a1c9de",
            "0a7b3c5d",
            "8c9d0e1f",
        ];
        let lower = all.to_lowercase();
        for n in needles {
            assert!(!lower.contains(n), "'{n}' leaked into: {all}");
        }
    }

    #[test]
    fn broken_document_is_a_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cut.json");
        std::fs::write(&p, "{\n  \"_embedded\": {\n    \"osdi:signatures\": [\n      {\"created_date\": \n").unwrap();
        let pseudo = key();
        let cx = Ctx::new("cut.json", &pseudo);
        let e = collect(&ADAPTER, &Input::new(&p), &cx).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("(json)"));
        assert!(e.msg.starts_with("invalid JSON"), "{e}");
        assert_eq!(e.line, Some(5));
    }

    #[test]
    fn detection() {
        for f in ["signatures_page.json", "webhook_batch.json", "single_attendance.json", "webhook_log.jsonl"] {
            assert_eq!(detect_file(&ADAPTER, &fixture(&format!("action-network-json/{f}")).path), 90, "{f}");
        }
        for s in OTHER_SAMPLES {
            assert_eq!(detect_file(&ADAPTER, &sample(s)), 0, "{s}");
        }
        for dir in ["facebook-graph-json", "instagram-graph-json", "twitter-v1-json", "twitter-v2-jsonl"] {
            for e in std::fs::read_dir(sample(dir)).unwrap() {
                let p = e.unwrap().path();
                assert_eq!(detect_file(&ADAPTER, &p), 0, "{}", p.display());
            }
        }
    }
}
