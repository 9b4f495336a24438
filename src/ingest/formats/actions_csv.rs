//! `actions-csv`: the canonical `actions` table as CSV (`actor,action,occurred_at[,platform,
//! post_id,campaign,source,medium,country,action_key]`) for any CRM or spreadsheet. Columns matched by
//! name, any order, case-insensitively; other columns are never read. Also holds the
//! `pub(crate)` helpers shared by the supporter adapters (headers, pseudonyms, times, verbs).
//!
//! Readings to keep:
//! - actor: e-mail (an `@` after the first character) → `pseudo.email`; `@handle` → `pseudo.id(platform, handle)`
//!   lower-cased without `@`; else a user id → `pseudo.id`. The raw value is never stored.
//! - action: lower-cased, trimmed; verbs outside the lake list kept; blank rejects.
//! - occurred_at: ISO with offset, or local date/time forms in `cx.tz`; blank null, unreadable rejects.
//! - platform: lower-cased; blank → the input's [`ActionsCsvOptions`] `platform`, else `crm`.
//! - country: an ISO alpha-2 code in any case, an alpha-3 code or an English name, stored as
//!   alpha-2 (`crate::schema::country`); an unknown value is null, one warning per file.
//! - post_id as given; Facebook post URLs become ids (`post_ids::facebook_reference`).
//! - action_key: the file's column, else keyed hash of (actor, action, time, platform, post_id); no time, no key.
//! - Rejects keep row number and field, never the row; no message quotes a cell.
//! - Free-text cells shaped like an e-mail/phone emptied (`crate::privacy`), one warning per column;
//!   a dropped `action_key` falls back to the hash; such a `platform`/`action` rejects the row.
//!
//! User docs: docs/formats.md#actions-csv, docs/lake.md#pseudonymisation.

use csv::StringRecord;

use crate::ingest::common::actions::{
    actor_id, opt, parse_time, personal_cell, row_key, time_layouts, verb_list, NOT_SHOWN,
};
use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::country::Countries;
use crate::ingest::common::csv::{self as csv_stream, cell, probe_header, Columns, CsvAdapter, CsvRows};
use crate::ingest::common::post_ids;
use crate::ingest::options::{self, OptionKey, Parsed, RawOptions};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes};
use crate::model::Action;
use crate::privacy::CellScreen;

pub struct ActionsCsv;
pub static ADAPTER: ActionsCsv = ActionsCsv;

// ---------------------------------------------------------------- the adapter

const ACTOR: &[&str] = &["actor"];
const ACTION: &[&str] = &["action"];
const OCCURRED: &[&str] = &["occurred_at"];
const PLATFORM: &[&str] = &["platform"];
const POST_ID: &[&str] = &["post_id"];
const CAMPAIGN: &[&str] = &["campaign"];
const SOURCE: &[&str] = &["source"];
const MEDIUM: &[&str] = &["medium"];
const COUNTRY: &[&str] = &["country"];
const KEY: &[&str] = &["action_key"];

/// This format's options: the platform of rows whose platform cell is blank or absent.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ActionsCsvOptions {
    pub platform: Option<String>,
}

impl Adapter for ActionsCsv {
    fn options(&self) -> &'static [&'static OptionKey] {
        static KEYS: &[&OptionKey] = &[&options::keys::PLATFORM];
        KEYS
    }
    fn parse_options(&self, raw: &RawOptions) -> Result<Parsed, String> {
        options::parse::<ActionsCsvOptions>(raw, self.options())
    }
    fn name(&self) -> &'static str {
        "actions-csv"
    }
    fn about(&self) -> &'static str {
        "Supporter actions as CSV (actor,action,occurred_at[,platform,post_id,campaign,source,medium,country]) from any CRM"
    }
    fn writes(&self) -> Writes {
        Writes::Actions
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir {
            return 0;
        }
        let h = probe_header(probe, b',');
        let has = |c: &[&str]| h.find(c).is_some();
        if !(has(ACTOR) && has(ACTION) && has(OCCURRED)) {
            return 0;
        }
        let first3: Vec<String> = h.names.iter().take(3).map(|n| n.to_ascii_lowercase()).collect();
        if first3 == ["actor", "action", "occurred_at"] {
            90
        } else {
            70
        }
    }
    fn personal_data(&self) -> bool {
        true
    }
    fn csv(&self) -> Option<&dyn CsvAdapter> {
        Some(self)
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        csv_stream::read(self, input, cx, out)
    }
}

impl CsvAdapter for ActionsCsv {
    fn start<'s>(
        &'s self,
        h: &Columns,
        cx: &'s Ctx<'s>,
        first: bool,
        out: &mut dyn Out,
    ) -> Result<Box<dyn CsvRows + 's>, FileError> {
        let missing: Vec<&str> = [("actor", ACTOR), ("action", ACTION), ("occurred_at", OCCURRED)]
            .iter()
            .filter(|(_, c)| h.find(c).is_none())
            .map(|(n, _)| *n)
            .collect();
        if !missing.is_empty() {
            return Err(cx.err_at(
                1,
                missing.join(", "),
                format!(
                    "missing column{} '{}' (actions-csv needs actor, action, occurred_at); {}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join("', '"),
                    h.supporter(&[])
                ),
            ));
        }
        if first {
            // The optional columns are optional in the format: only a near-miss is warned about.
            let wants = [PLATFORM, POST_ID, CAMPAIGN, SOURCE, MEDIUM, COUNTRY, KEY]
                .map(|names| Want::maybe(names, h.find(names)));
            let used: Vec<usize> = [ACTOR, ACTION, OCCURRED].iter().filter_map(|c| h.find(c)).collect();
            if let Some(w) = columns::check(&cx.source_file, 1, self.name(), &h.names, &wants, &used) {
                out.warning(w);
            }
        }
        Ok(Box::new(ActionRows {
            cx,
            actor: h.find(ACTOR),
            action: h.find(ACTION),
            occurred: h.find(OCCURRED),
            platform: h.find(PLATFORM),
            post_id: h.find(POST_ID),
            campaign: h.find(CAMPAIGN),
            source: h.find(SOURCE),
            medium: h.find(MEDIUM),
            country: h.find(COUNTRY),
            key: h.find(KEY),
            default_platform: cx
                .options::<ActionsCsvOptions>()
                .platform
                .as_deref()
                .map(str::to_lowercase)
                .unwrap_or_else(|| "crm".into()),
            screen: CellScreen::default(),
            countries: Countries::default(),
        }))
    }
}

/// The rows of one actions-csv input: the header's column indexes.
struct ActionRows<'s> {
    cx: &'s Ctx<'s>,
    actor: Option<usize>,
    action: Option<usize>,
    occurred: Option<usize>,
    platform: Option<usize>,
    post_id: Option<usize>,
    campaign: Option<usize>,
    source: Option<usize>,
    medium: Option<usize>,
    country: Option<usize>,
    key: Option<usize>,
    default_platform: String,
    screen: CellScreen,
    countries: Countries,
}

impl CsvRows for ActionRows<'_> {
    fn row(&mut self, rec: &StringRecord, line: u64, out: &mut dyn Out) {
        let cx = self.cx;
        let reject = |out: &mut dyn Out, field: &str, error: String| {
            out.reject(Reject { line, field: field.into(), error, raw: None })
        };
        let platform = match cell(rec, self.platform) {
            "" => self.default_platform.clone(),
            p => p.to_lowercase(),
        };
        let who = cell(rec, self.actor);
        if who.is_empty() || who == "@" {
            reject(out, "actor", "blank actor: expected an e-mail address or a platform user id".into());
            return;
        }
        let verb = cell(rec, self.action).to_lowercase();
        if verb.is_empty() {
            reject(out, "action", format!("blank action: expected a verb such as {}", verb_list()));
            return;
        }
        for (field, what, v) in
            [("platform", "a platform name", platform.as_str()), ("action", "an action verb", &verb)]
        {
            if let Some(e) = personal_cell(what, v) {
                reject(out, field, e);
                return;
            }
        }
        let occurred_at = match parse_time(cell(rec, self.occurred), cx.tz, false) {
            Ok(t) => t,
            Err(()) => {
                reject(out, "occurred_at", format!("{}; {NOT_SHOWN}", time_layouts(false)));
                return;
            }
        };
        let actor_id = actor_id(cx, &platform, who);
        let sc = &mut self.screen;
        let post_id = match cell(rec, self.post_id) {
            id if platform == "facebook" => opt(&post_ids::facebook_reference(id)),
            id => opt(id),
        };
        let post_id = sc.id("post_id", line, post_id);
        let action_key = sc
            .id("action_key", line, opt(cell(rec, self.key)))
            .or_else(|| occurred_at.map(|t| row_key(cx, &actor_id, &verb, t, &platform, post_id.as_deref())));
        out.action(Action {
            platform,
            actor_id,
            action: verb,
            occurred_at,
            post_id,
            campaign: sc.text("campaign", line, opt(cell(rec, self.campaign))),
            source: sc.text("source", line, opt(cell(rec, self.source))),
            medium: sc.text("medium", line, opt(cell(rec, self.medium))),
            country: self.countries.read("country", line, cell(rec, self.country)),
            action_key,
            ..Default::default()
        });
    }

    fn finish(&mut self, out: &mut dyn Out) {
        let file = &self.cx.source_file;
        for w in self.screen.warnings(file).into_iter().chain(self.countries.warnings(file)) {
            out.warning(w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testkit::actions::{collect_text, debug_all, detect_file, fixture, key, sample, OTHER_SAMPLES};
    use crate::ingest::{collect, Collected};
    use crate::model::Micros;

    #[test]
    fn country_column_as_alpha_2() {
        // Lines 2-6: a code in lower case, an English name, an alpha-3 code, a blank, and a
        // value that is no country (null, one warning naming the column and the count).
        let got = collect_text(
            &ADAPTER,
            "a.csv",
            "actor,action,occurred_at,country\n\
             a@example.org,attend_event,2024-03-05,ke\n\
             b@example.org,attend_event,2024-03-05,United Kingdom\n\
             c@example.org,attend_event,2024-03-05,DEU\n\
             d@example.org,attend_event,2024-03-05,\n\
             e@example.org,attend_event,2024-03-05,Mordor\n",
            None,
        )
        .unwrap();
        let c: Vec<Option<&str>> = got.actions.iter().map(|a| a.country.as_deref()).collect();
        assert_eq!(c, [Some("KE"), Some("GB"), Some("DE"), None, None]);
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
        assert!(got.warnings[0].starts_with("a.csv, line 6: 1 cell(s) of column 'country'"), "{:?}", got.warnings);
        assert!(!got.warnings[0].contains("Mordor"));
    }

    #[test]
    fn personal_free_text_is_screened() {
        let got = collect_text(
            &ADAPTER,
            "a.csv",
            "actor,action,occurred_at,platform,post_id,campaign,source,medium,action_key\n\
             a@example.org,like,2024-03-05,,jo@example.org,(212) 555-0199,jo@example.org,2125550147,jo@example.org\n\
             b@example.org,like,2024-03-05,,1765001234567890123,cleanair,newsletter,email,ea-1\n\
             c@example.org,like,2024-03-05,jo@example.org,,,,,\n\
             d@example.org,+44 20 7946 0958,2024-03-05,,,,,,\n",
            None,
        )
        .unwrap();
        // Line 2: every free-text cell is an e-mail or a phone number: all null, and the key
        // falls back to the keyed hash. Line 3: the same columns kept as they are.
        assert_eq!(got.actions.len(), 2);
        let a = &got.actions[0];
        assert_eq!((a.post_id.as_deref(), a.campaign.as_deref()), (None, None));
        assert_eq!((a.source.as_deref(), a.medium.as_deref()), (None, None));
        assert!(a.action_key.as_deref().is_some_and(|k| k.starts_with("crm:")), "{a:?}");
        let b = &got.actions[1];
        assert_eq!((b.post_id.as_deref(), b.campaign.as_deref()), (Some("1765001234567890123"), Some("cleanair")));
        assert_eq!(
            (b.source.as_deref(), b.medium.as_deref(), b.action_key.as_deref()),
            (Some("newsletter"), Some("email"), Some("ea-1"))
        );
        // Lines 4 and 5: an e-mail as platform, a phone number as verb: rejected, named, not shown.
        let rej: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(4, "platform"), (5, "action")]);
        assert!(got.rejects[0].error.contains("looks like an e-mail address"), "{:?}", got.rejects);
        // One warning per column (5), each at its first line.
        assert_eq!(got.warnings.len(), 5, "{:?}", got.warnings);
        assert!(
            got.warnings.iter().all(|w| w.starts_with("a.csv, line 2: 1 cell(s) of column '")),
            "{:?}",
            got.warnings
        );
        let all = debug_all(&got);
        for n in ["jo@example", "(212)", "+44", "2125550147"] {
            assert!(!all.contains(n), "{n} in {all}");
        }
    }

    #[test]
    fn a_file_without_its_header_row_is_not_quoted() {
        let e =
            collect_text(&ADAPTER, "h.csv", "jo@example.org,sign_petition,2024-03-05,Jo Doe,+1 212 555 0147\n", None)
                .unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.msg.contains("not a header row"), "{e}");
        for n in ["jo@", "Jo Doe", "555", "sign_petition"] {
            assert!(!e.to_string().contains(n), "{n} in {e}");
        }
    }

    fn run(rel: &str, tz: &str) -> Collected {
        let pseudo = key();
        let mut cx = Ctx::new(rel, &pseudo);
        cx.tz = tz.parse().unwrap();
        collect(&ADAPTER, &fixture(rel), &cx).unwrap()
    }

    #[test]
    fn reads_the_canonical_table() {
        let got = run("actions-csv/crm_actions.csv", "Europe/Lisbon");
        let pseudo = key();
        // 9 data rows (lines 2-10): 2 rejects (line 8 blank action, line 9 bad time), 7 actions.
        assert_eq!(got.rows, 9);
        assert_eq!(got.actions.len(), 7);
        let a = &got.actions[0];
        // Line 2: `Ana.Costa@Example.org` -> the e-mail pseudonym (lower-cased), platform defaults to crm.
        assert_eq!(a.actor_id, pseudo.email("ana.costa@example.org"));
        assert_eq!(a.platform, "crm");
        assert_eq!(a.action, "sign_petition");
        // 2024-03-05T14:22:31Z = 1709648551 s.
        assert_eq!(a.occurred_at, Some(Micros(1_709_648_551_000_000)));
        assert_eq!(a.campaign.as_deref(), Some("clean-air"));
        assert_eq!(a.source.as_deref(), Some("newsletter"));
        assert_eq!(a.medium.as_deref(), Some("email"));
        assert!(a.action_key.as_deref().is_some_and(|k| k.starts_with("crm:") && k.len() == 36));
        // Line 3: `2024-03-05 15:00` local Lisbon (WET = UTC+0 in March) -> 15:00Z = 1709650800;
        // the verb is lower-cased; an id actor with platform twitter.
        let b = &got.actions[1];
        assert_eq!(b.action, "retweet");
        assert_eq!(b.platform, "twitter");
        assert_eq!(b.actor_id, pseudo.id("twitter", "1234567890"));
        assert_eq!(b.post_id.as_deref(), Some("1765001234567890123"));
        assert_eq!(b.occurred_at, Some(Micros(1_709_650_800_000_000)));
        // Line 4: `@Ana_Tweets` is a handle: lower-cased, no @, the twitter namespace.
        assert_eq!(got.actions[2].actor_id, pseudo.id("twitter", "ana_tweets"));
        // Line 5: 2024-07-01 10:00 in Lisbon is WEST (UTC+1): 09:00Z = 1719824400; unknown verb kept.
        assert_eq!(got.actions[3].action, "knock_doors");
        assert_eq!(got.actions[3].occurred_at, Some(Micros(1_719_824_400_000_000)));
        // Line 6: blank time -> null time and no key.
        assert_eq!(got.actions[4].occurred_at, None);
        assert_eq!(got.actions[4].action_key, None);
        // Line 7: the file's own action_key is kept.
        assert_eq!(got.actions[5].action_key.as_deref(), Some("ea-000123"));
        // Line 10: the same e-mail as line 2 in other case: the same actor.
        assert_eq!(got.actions[6].actor_id, got.actions[0].actor_id);
        let rej: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(8, "action"), (9, "occurred_at")]);
        assert!(got.rejects.iter().all(|r| r.raw.is_none()));
        // The bad time is not quoted.
        assert!(!got.rejects[1].error.contains("2024-13"), "{}", got.rejects[1].error);
    }

    #[test]
    fn nothing_personal_leaves_the_adapter() {
        let got = run("actions-csv/crm_actions.csv", "UTC");
        let all = debug_all(&got).to_lowercase();
        for needle in ["ana.costa", "example.org", "ana_tweets", "bruno@", "maria", "silva", "+351", "rua das flores"] {
            assert!(!all.contains(needle), "{needle} leaked");
        }
    }

    #[test]
    fn facebook_post_references() {
        let got = run("actions-csv/post_ids.csv", "UTC");
        let ids: Vec<(&str, Option<&str>)> =
            got.actions.iter().map(|a| (a.platform.as_str(), a.post_id.as_deref())).collect();
        assert_eq!(
            ids,
            [
                ("crm", None),
                // A bare post id and `<page>_<post>` are kept as given (analyze matches both).
                ("facebook", Some("1900000000000001")),
                ("facebook", Some("1900000000000001")),
                ("facebook", Some("1605839243031680_1900000000000001")),
                // The permalink.php address: story_fbid 1900000000000001 of page id 1605839243031680.
                ("facebook", Some("1605839243031680_1900000000000001")),
                ("facebook", Some("1900000000000009")),
                ("twitter", Some("1900000000000001")),
            ]
        );
    }

    #[test]
    fn the_input_platform_is_the_default() {
        let pseudo = key();
        let mut cx = Ctx::new("crm_actions.csv", &pseudo);
        cx.options = std::sync::Arc::new(ActionsCsvOptions { platform: Some("EveryAction".into()) });
        let got = collect(&ADAPTER, &fixture("actions-csv/crm_actions.csv"), &cx).unwrap();
        // Line 2 has no platform cell, line 3 says twitter.
        assert_eq!((got.actions[0].platform.as_str(), got.actions[1].platform.as_str()), ("everyaction", "twitter"));
    }

    #[test]
    fn a_missing_column_is_a_file_error() {
        let pseudo = key();
        let cx = Ctx::new("no_time.csv", &pseudo);
        let e = collect(&ADAPTER, &fixture("actions-csv/no_time.csv"), &cx).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("occurred_at"));
        assert!(e.msg.contains("missing column 'occurred_at'"), "{e}");
        assert!(e.msg.contains("the file's columns are: actor, action, when, platform"), "{e}");
    }

    #[test]
    fn detection() {
        assert_eq!(detect_file(&ADAPTER, fixture("actions-csv/crm_actions.csv").path.as_path()), 90);
        for s in OTHER_SAMPLES {
            assert_eq!(detect_file(&ADAPTER, &sample(s)), 0, "{s}");
        }
    }

    #[test]
    fn times() {
        let ny: chrono_tz::Tz = "America/New_York".parse().unwrap();
        // 2024-03-05 09:22:31 EST (UTC-5) = 14:22:31Z = 1709648551.
        assert_eq!(parse_time("2024-03-05 09:22:31", ny, false), Ok(Some(Micros(1_709_648_551_000_000))));
        assert_eq!(parse_time("2024-03-05 14:22:31 UTC", ny, false), Ok(Some(Micros(1_709_648_551_000_000))));
        assert_eq!(parse_time("03/05/2024 9:22:31 AM", ny, true), Ok(Some(Micros(1_709_648_551_000_000))));
        assert_eq!(parse_time("03/05/2024 09:22", ny, false), Err(()));
        assert_eq!(parse_time("", ny, false), Ok(None));
        // A bare date is local midnight: 2024-03-05 00:00 EST = 05:00Z = 1709614800.
        assert_eq!(parse_time("2024-03-05", ny, false), Ok(Some(Micros(1_709_614_800_000_000))));
    }
}

/// Reading in byte ranges (`common::csv`), through this adapter.
#[cfg(test)]
mod split_tests {
    use super::*;
    use std::path::Path;

    use crate::ingest::common::csv::{ranges, read_range};
    use crate::ingest::testkit::actions::key;
    use crate::ingest::{CollectOut, Collected};

    /// A BOM, quoted cells with a newline, an escaped quote and a comma, a blank action (a
    /// reject) after the multi-line cell, and a row without a time.
    const DATA: &str = "\u{feff}actor,action,occurred_at,campaign\n\
        1,like,2024-03-05T14:22:31Z,\"multi\nline\"\n\
        2,like,2024-03-05T14:22:32Z,\"say \"\"hi\"\"\"\n\
        3,,2024-03-05T14:22:33Z,x\n\
        \"4\",like,2024-03-05T14:22:34Z,\"a,b\"\n\
        5,like,,plain\n";

    /// Reads `path` in the ranges of `chunk` bytes as the driver does: each range on its
    /// own, lines offset by the lines of the ranges before.
    fn read_split(path: &Path, chunk: u64, cx: &Ctx) -> (usize, Collected) {
        let len = std::fs::metadata(path).unwrap().len();
        let rs = ranges(path, len, chunk, b',').unwrap();
        let mut all = Collected::default();
        let mut offset = 0;
        for &(start, end) in &rs {
            let mut out = CollectOut::new(cx);
            let lines = read_range(&ADAPTER, &Input::new(path), start, end, cx, &mut out).unwrap();
            let got = out.got;
            all.rows += got.rows;
            all.actions.extend(got.actions);
            all.rejects.extend(got.rejects.into_iter().map(|mut r| {
                r.line += offset;
                r
            }));
            all.warnings.extend(got.warnings);
            offset += lines;
        }
        (rs.len(), all)
    }

    /// Reads `data` whole and in every chunk size from 1 byte to all of it; returns the
    /// whole read and the largest number of ranges.
    fn check_splits(data: &str) -> (Collected, usize) {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("actions.csv");
        std::fs::write(&path, data).unwrap();
        let pseudo = key();
        let cx = Ctx::new("actions.csv", &pseudo);
        let whole = crate::ingest::collect(&ADAPTER, &Input::new(&path), &cx).unwrap();
        let mut most = 0;
        for chunk in 1..=data.len() as u64 + 1 {
            let (n, split) = read_split(&path, chunk, &cx);
            most = most.max(n);
            assert_eq!(split.rows, whole.rows, "chunk {chunk}");
            assert_eq!(split.actions, whole.actions, "chunk {chunk}");
            // Lines too, CRLF or not (the csv crate's own are one too low after a CRLF).
            assert_eq!(split.rejects, whole.rejects, "chunk {chunk}");
        }
        (whole, most)
    }

    #[test]
    fn every_split_reads_what_the_whole_file_reads() {
        let (whole, most) = check_splits(DATA);
        // 5 data rows; row 3 (starting on line 5: the header is line 1, row 1 spans 2-3) has
        // no action.
        assert_eq!(whole.rows, 5);
        let rej: Vec<(u64, &str)> = whole.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(5, "action")]);
        let campaigns: Vec<Option<&str>> = whole.actions.iter().map(|a| a.campaign.as_deref()).collect();
        assert_eq!(campaigns, vec![Some("multi\nline"), Some("say \"hi\""), Some("a,b"), Some("plain")]);
        assert_eq!(whole.actions[2].actor_id, key().id("crm", "4"));
        // With 1-byte chunks every record is its own range: the header and 5 rows.
        assert_eq!(most, 6);
    }

    #[test]
    fn crlf_files_split_alike() {
        let crlf = DATA.replace('\n', "\r\n");
        let (whole, most) = check_splits(&crlf);
        assert_eq!(whole.rows, 5);
        // Row 3 starts on line 5, as in the LF file.
        let rej: Vec<(u64, &str)> = whole.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(5, "action")]);
        let campaigns: Vec<Option<&str>> = whole.actions.iter().map(|a| a.campaign.as_deref()).collect();
        assert_eq!(campaigns, vec![Some("multi\r\nline"), Some("say \"hi\""), Some("a,b"), Some("plain")]);
        assert_eq!(most, 6);
    }

    #[test]
    fn windows_1252_files_are_decoded_mixed_rows_rejected() {
        let d = tempfile::tempdir().unwrap();
        let pseudo = key();
        // "Jos\xe9" in Windows-1252 on line 3 of an otherwise ASCII file: read as Windows-1252.
        let path = d.path().join("w1252.csv");
        std::fs::write(&path, b"actor,action,occurred_at\n1,like,2024-03-05\nJos\xe9,like,2024-03-05\n").unwrap();
        let cx = Ctx::new("w1252.csv", &pseudo);
        let got = crate::ingest::collect(&ADAPTER, &Input::new(&path), &cx).unwrap();
        assert_eq!((got.rows, got.actions.len(), got.rejects.len()), (2, 2, 0));
        assert_eq!(got.actions[1].actor_id, pseudo.id("crm", "José"));
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
        // With a UTF-8 "é" on line 2 the file is UTF-8: the row on line 3 alone is rejected,
        // naming its field.
        let path = d.path().join("mixed.csv");
        std::fs::write(&path, b"actor,action,occurred_at\nJos\xc3\xa9,like,2024-03-05\nJos\xe9,like,2024-03-05\n")
            .unwrap();
        let cx = Ctx::new("mixed.csv", &pseudo);
        let got = crate::ingest::collect(&ADAPTER, &Input::new(&path), &cx).unwrap();
        assert_eq!((got.rows, got.actions.len()), (2, 1));
        let rej: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(3, "actor")]);
        assert!(got.rejects[0].error.contains("0xE9"), "{:?}", got.rejects);
    }
}
