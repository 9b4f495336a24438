//! `action-network-csv`: the CSV an Action Network admin downloads from a petition, form,
//! event or fundraising page, one row per action taker. Only e-mail, `uuid`, time, source
//! and referrer are read: names, phones, addresses and answers never reach the lake.
//!
//! Readings to keep:
//! - The verb comes from the input (`--action`, pipeline `action`); without it the file is refused.
//! - Actor = `pseudo.email(email)` lower-cased, else `pseudo.id("action_network", uuid)` (as `action-network-json`).
//! - `uuid` is the activist's id: `action_key` = `an:` + keyed hash of (uuid or e-mail, time, verb); no time, no key.
//! - Times: ISO with offset, `YYYY-MM-DD HH:MM[:SS]`, month-first `MM/DD/YYYY` (24 h or AM/PM), bare date at 00:00.
//! - Zone-less times in `cx.tz`; no time column is a warning and null times.
//! - `source` as exported, `none` null; `medium`: a group's referrer code kept, a person's becomes `referral`.
//! - `post_id` null: actions join a campaign by tag only.
//! - `country`: the address's country column (`country`, `can2_country`, `country_code`) as an
//!   ISO alpha-2 code (`crate::schema::country`); the rest of the address is never read; an
//!   unknown value is null with one warning for the file.
//! - No e-mail nor uuid, e-mail without `@`, bad time: reject with line and column, never quoting a cell.
//! - Messages name only columns rallylens knows.
//! - Source/group codes that look like an e-mail or phone are emptied (`crate::privacy`), one warning per column.
//!
//! User docs: docs/formats.md#action-network-csv, docs/lake.md#pseudonymisation.

use csv::StringRecord;

use crate::ingest::common::actions::{self as shared, referrer_medium, source_code, verb_from_input, NOT_SHOWN};
use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::country::Countries;
use crate::ingest::common::csv::{self as csv_stream, cell, Columns, CsvAdapter, CsvRows};
use crate::ingest::options::{self, OptionKey, Parsed, RawOptions};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes};
use crate::model::Action;
use crate::privacy::CellScreen;

pub struct ActionNetworkCsv;
pub static ADAPTER: ActionNetworkCsv = ActionNetworkCsv;

const EMAIL: &[&str] = &["email", "email_address", "e-mail", "can2_email"];
const UUID: &[&str] = &["uuid"];
const TIME: &[&str] = &["created_date", "created_at", "created", "timestamp", "date"];
const SOURCE: &[&str] = &["source", "source_code"];
const REFERRER: &[&str] = &["referrer", "referrer_code"];
/// The address's country: the only part of an address ever read.
const COUNTRY: &[&str] = &["country", "can2_country", "country_code"];

impl Adapter for ActionNetworkCsv {
    fn options(&self) -> &'static [&'static OptionKey] {
        static KEYS: &[&OptionKey] = &[&options::keys::ACTION];
        KEYS
    }
    fn parse_options(&self, raw: &RawOptions) -> Result<Parsed, String> {
        options::parse::<shared::ActionNetworkOptions>(raw, self.options())
    }
    fn name(&self) -> &'static str {
        "action-network-csv"
    }
    fn about(&self) -> &'static str {
        "Action Network petition/form/event/donation download (CSV); the action is given with --action"
    }
    fn writes(&self) -> Writes {
        Writes::Actions
    }
    fn detect(&self, probe: &Probe) -> u8 {
        if probe.is_dir {
            return 0;
        }
        let h = csv_stream::probe_header(probe, b',');
        let can2 = h.has_prefix("can2_");
        let email = h.find(EMAIL).is_some();
        match (can2, email) {
            (true, true) => 90,
            // An export stripped of its e-mail column: still ours, `read` says what is missing.
            (true, false) if h.find(UUID).is_some() || h.find(&["first_name"]).is_some() => 60,
            (false, true) if h.find(&["first_name"]).is_some() && h.find(&["zip_code"]).is_some() => 50,
            _ => 0,
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

impl CsvAdapter for ActionNetworkCsv {
    fn start<'s>(
        &'s self,
        h: &Columns,
        cx: &'s Ctx<'s>,
        first: bool,
        out: &mut dyn Out,
    ) -> Result<Box<dyn CsvRows + 's>, FileError> {
        let (email, uuid) = (h.find(EMAIL), h.find(UUID));
        if email.is_none() && uuid.is_none() {
            return Err(cx.err_at(
                1,
                "email",
                format!(
                    "an e-mail column is required (`email`, or at least the activist `uuid`) to \
                     pseudonymise who acted; {}",
                    h.supporter(&[])
                ),
            ));
        }
        let Some(verb) = verb_from_input(cx) else {
            return Err(cx.err(format!(
                "an Action Network export does not say which action its rows are: pass --action VERB \
                 (or `action = \"VERB\"` on the pipeline input), e.g. one of {}",
                shared::verb_list()
            )));
        };
        let (time, source, referrer, country) = (h.find(TIME), h.find(SOURCE), h.find(REFERRER), h.find(COUNTRY));
        let time_name = time.map(|i| h.names[i].clone()).unwrap_or_default();
        if time.is_none() && first {
            out.warn(format!(
                "{}: no action time column (created_date or created_at); occurred_at is null for every row, \
                 so these actions cannot be placed in a campaign window",
                cx.source_file
            ));
        }
        if first {
            // The download's other columns (names, addresses, custom questions) are never read;
            // only a near-miss of a column this adapter reads is warned about.
            let wants = [
                Want::maybe(EMAIL, email),
                Want::maybe(UUID, uuid),
                Want::maybe(TIME, time),
                Want::maybe(SOURCE, source),
                Want::maybe(REFERRER, referrer),
                Want::maybe(COUNTRY, country),
            ];
            if let Some(w) = columns::check(&cx.source_file, 1, self.name(), &h.names, &wants, &[]) {
                out.warning(w);
            }
        }
        let name = |i: Option<usize>| i.map(|i| h.names[i].clone()).unwrap_or_default();
        let (source_name, referrer_name, country_name) = (name(source), name(referrer), name(country));
        Ok(Box::new(SignatureRows {
            cx,
            email,
            uuid,
            time,
            source,
            referrer,
            country,
            time_name,
            source_name,
            referrer_name,
            country_name,
            verb,
            screen: CellScreen::default(),
            countries: Countries::default(),
        }))
    }
}

/// The rows of one action-network-csv input: the header's column indexes and the verb.
struct SignatureRows<'s> {
    cx: &'s Ctx<'s>,
    email: Option<usize>,
    uuid: Option<usize>,
    time: Option<usize>,
    source: Option<usize>,
    referrer: Option<usize>,
    country: Option<usize>,
    time_name: String,
    /// The header's names of the source and referrer columns (ones rallylens knows).
    source_name: String,
    referrer_name: String,
    country_name: String,
    verb: String,
    screen: CellScreen,
    countries: Countries,
}

impl CsvRows for SignatureRows<'_> {
    fn row(&mut self, rec: &StringRecord, line: u64, out: &mut dyn Out) {
        let cx = self.cx;
        let reject = |out: &mut dyn Out, field: &str, error: String| {
            out.reject(Reject { line, field: field.into(), error, raw: None })
        };
        let (mail, id) = (cell(rec, self.email), cell(rec, self.uuid));
        let (actor_id, person) = if !mail.is_empty() {
            if !shared::is_email(mail) {
                reject(out, "email", format!("expected an e-mail address (with '@'); {NOT_SHOWN}"));
                return;
            }
            let p = if id.is_empty() { mail.to_lowercase() } else { id.to_string() };
            (cx.pseudo.email(mail), p)
        } else if !id.is_empty() {
            (cx.pseudo.id("action_network", id), id.to_string())
        } else {
            reject(out, "email", "blank e-mail and no activist uuid: the row names nobody who acted".into());
            return;
        };
        let occurred_at = match shared::parse_time(cell(rec, self.time), cx.tz, true) {
            Ok(t) => t,
            Err(()) => {
                reject(out, &self.time_name, format!("{}; {NOT_SHOWN}", shared::time_layouts(true)));
                return;
            }
        };
        let action_key = occurred_at.map(|t| {
            let parts = [person.as_str(), &t.0.to_string(), &self.verb];
            format!("an:{}", cx.pseudo.id("action_network_row", &parts.join("\u{1f}")))
        });
        out.action(Action {
            platform: "action_network".into(),
            actor_id,
            action: self.verb.clone(),
            occurred_at,
            source: self.screen.text(&self.source_name, line, source_code(cell(rec, self.source))),
            medium: self.screen.text(&self.referrer_name, line, referrer_medium(cell(rec, self.referrer))),
            country: self.countries.read(&self.country_name, line, cell(rec, self.country)),
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
    use crate::ingest::testkit::actions::{debug_all, detect_file, fixture, key, sample, OTHER_SAMPLES};
    use crate::ingest::{collect, Collected};
    use crate::model::Micros;

    fn run(rel: &str, action: Option<&str>, tz: &str) -> Result<Collected, FileError> {
        let pseudo = key();
        let mut cx = Ctx::new(rel, &pseudo);
        cx.tz = tz.parse().unwrap();
        cx.options = std::sync::Arc::new(shared::ActionNetworkOptions { action: action.map(str::to_string) });
        collect(&ADAPTER, &fixture(rel), &cx)
    }

    #[test]
    fn petition_export() {
        let got =
            run("action-network-csv/petition_signatures.csv", Some("Sign_Petition "), "America/New_York").unwrap();
        let pseudo = key();
        // 7 rows (lines 2-3, 4, 5, 6, 7, 8, 9): 3 rejected (6 bad date, 7 e-mail without @,
        // 8 neither e-mail nor uuid), 4 actions.
        assert_eq!(got.rows, 7);
        assert_eq!(got.actions.len(), 4);
        assert!(got.actions.iter().all(|a| a.platform == "action_network" && a.action == "sign_petition"));
        let a = &got.actions[0];
        assert_eq!(a.actor_id, pseudo.email("janelle.dorsey@example.com"));
        // 2024-03-05 09:22:31 in New York (EST, UTC-5) = 14:22:31Z = 1709648551 s.
        assert_eq!(a.occurred_at, Some(Micros(1_709_648_551_000_000)));
        assert_eq!(a.source.as_deref(), Some("facebook"));
        // A group's referrer code is kept.
        assert_eq!(a.medium.as_deref(), Some("group-clean-air-ny"));
        // The key is keyed on (uuid, time, verb), not the bare uuid.
        let k = format!(
            "an:{}",
            pseudo.id(
                "action_network_row",
                "0b9c2a6e-1f4d-4c1e-9a43-7d1f5e2b8c01\u{1f}1709648551000000\u{1f}sign_petition"
            )
        );
        assert_eq!(a.action_key.as_deref(), Some(k.as_str()));
        // Line 4: an upper-case e-mail is lower-cased; 10:00 EST = 15:00Z = 1709650800; a
        // person's referrer code becomes `referral`.
        let b = &got.actions[1];
        assert_eq!(b.actor_id, pseudo.email("jonah.whitfield@example.com"));
        assert_eq!(b.occurred_at, Some(Micros(1_709_650_800_000_000)));
        assert_eq!((b.source.as_deref(), b.medium.as_deref()), (Some("email_0305"), Some("referral")));
        // Line 5: no e-mail, the uuid's pseudonym; `none` codes are null; 18:45 EST = 23:45Z = 1709768700.
        let c = &got.actions[2];
        assert_eq!(c.actor_id, pseudo.id("action_network", "7a8b9c0d-1e2f-4a5b-8c6d-7e8f9a0b1c2d"));
        assert_eq!((c.source.as_deref(), c.medium.as_deref()), (None, None));
        assert_eq!(c.occurred_at, Some(Micros(1_709_768_700_000_000)));
        // Line 9: an explicit Z is UTC whatever cx.tz: 2024-03-08T15:30:00Z = 1709911800.
        assert_eq!(got.actions[3].occurred_at, Some(Micros(1_709_911_800_000_000)));
        let rej: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(6, "created_date"), (7, "email"), (8, "email")]);
        assert!(got.rejects.iter().all(|r| r.raw.is_none()));
        assert!(got.rejects[0].error.contains("expected a date and time"));
        assert!(!got.rejects[0].error.contains("2024-03-40"), "the bad cell is quoted: {}", got.rejects[0].error);
    }

    #[test]
    fn event_export_with_bom_crlf_and_us_dates() {
        let got = run("action-network-csv/event_rsvps.csv", Some("attend_event"), "America/Los_Angeles").unwrap();
        let pseudo = key();
        assert_eq!((got.rows, got.actions.len(), got.rejects.len()), (2, 2, 0));
        // 03/09/2024 18:30 PST (UTC-8) = 2024-03-10 02:30Z = 1710037800.
        assert_eq!(got.actions[0].occurred_at, Some(Micros(1_710_037_800_000_000)));
        assert_eq!(got.actions[0].actor_id, pseudo.email("samuel.rivera@example.com"));
        assert_eq!(got.actions[0].source.as_deref(), Some("instagram"));
        // 03/10/2024 11:05 AM is after the 2 am switch to PDT (UTC-7): 18:05Z = 1710093900.
        assert_eq!(got.actions[1].occurred_at, Some(Micros(1_710_093_900_000_000)));
        assert_eq!(got.actions[1].medium.as_deref(), Some("group-la-clean-air"));
        assert!(got.actions.iter().all(|a| a.action == "attend_event"));
    }

    #[test]
    fn no_email_column_is_a_file_error() {
        let e = run("action-network-csv/no_email.csv", Some("sign_petition"), "UTC").unwrap_err();
        assert_eq!(e.file, "action-network-csv/no_email.csv");
        assert_eq!((e.line, e.field.as_deref()), (Some(1), Some("email")));
        assert!(e.msg.contains("an e-mail column is required"), "{e}");
        assert!(
            e.msg.contains(
                "the file's columns are: first_name, last_name, zip_code, can2_phone, can2_user_tags, created_date"
            ),
            "{e}"
        );
        let shown = e.to_string();
        for cellv in ["Janelle", "Dorsey", "10023", "2125550143"] {
            assert!(!shown.contains(cellv), "{cellv} in {shown}");
        }
    }

    #[test]
    fn personal_source_codes_are_screened_and_headerless_files_not_quoted() {
        use crate::ingest::testkit::actions::collect_text;
        let text = "uuid,email,created_date,source,referrer\n\
                    u1,jo@example.org,2024-03-05,jo@example.org,group-jo@example.org\n\
                    u2,kim@example.org,2024-03-05,+1 212 555 0147,kim-lee\n\
                    u3,lee@example.org,2024-03-05,email_0305,group-clean-air\n";
        let got = collect_text(&ADAPTER, "an.csv", text, Some("sign_petition")).unwrap();
        let codes: Vec<(Option<&str>, Option<&str>)> =
            got.actions.iter().map(|a| (a.source.as_deref(), a.medium.as_deref())).collect();
        // Line 2: an e-mail as source and inside a group code; line 3: a phone number as
        // source, a person's referrer code (always `referral`); line 4 kept as it is.
        assert_eq!(codes, vec![(None, None), (None, Some("referral")), (Some("email_0305"), Some("group-clean-air"))]);
        assert_eq!(got.warnings.len(), 2, "{:?}", got.warnings);
        assert!(got.warnings[0].starts_with("an.csv, line 2: 1 cell(s) of column 'referrer'"), "{:?}", got.warnings);
        assert!(got.warnings[1].starts_with("an.csv, line 2: 2 cell(s) of column 'source'"), "{:?}", got.warnings);
        // Without its header row, forced: line 1 is named, none of it shown.
        let e = collect_text(&ADAPTER, "an.csv", &text[text.find('\n').unwrap() + 1..], Some("sign_petition"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("not a header row"), "{e}");
        assert!(!e.contains("jo@") && !e.contains("u1"), "{e}");
    }

    #[test]
    fn the_address_country_only() {
        use crate::ingest::testkit::actions::collect_text;
        // The address's country as alpha-2 (US as given, `ke` upper-cased, a name); the zip
        // code and city beside it are never read; an unknown country is null with a warning.
        let text = "uuid,email,zip_code,can2_user_city,can2_country,created_date\n\
                    u1,jo@example.org,10023,New York,US,2024-03-05\n\
                    u2,kim@example.org,00100,Nairobi,ke,2024-03-05\n\
                    u3,lee@example.org,,Kampala,Uganda,2024-03-05\n\
                    u4,max@example.org,,,Narnia,2024-03-05\n";
        let got = collect_text(&ADAPTER, "an.csv", text, Some("attend_event")).unwrap();
        let c: Vec<Option<&str>> = got.actions.iter().map(|a| a.country.as_deref()).collect();
        assert_eq!(c, [Some("US"), Some("KE"), Some("UG"), None]);
        assert_eq!(got.warnings.len(), 1, "{:?}", got.warnings);
        assert!(
            got.warnings[0].starts_with("an.csv, line 5: 1 cell(s) of column 'can2_country'"),
            "{:?}",
            got.warnings
        );
        let all = debug_all(&got);
        for n in ["Narnia", "Nairobi", "Kampala", "10023", "New York"] {
            assert!(!all.contains(n), "{n} in {all}");
        }
    }

    #[test]
    fn the_action_must_be_given() {
        let e = run("action-network-csv/petition_signatures.csv", None, "UTC").unwrap_err();
        assert!(e.msg.contains("--action VERB"), "{e}");
        assert!(e.msg.contains("sign_petition, pledge, donate, attend_event, volunteer, host_event"), "{e}");
    }

    #[test]
    fn nothing_personal_leaves_the_adapter() {
        let mut all = String::new();
        for (f, verb) in [("petition_signatures.csv", "sign_petition"), ("event_rsvps.csv", "attend_event")] {
            let got = run(&format!("action-network-csv/{f}"), Some(verb), "UTC").unwrap();
            all += &debug_all(&got);
        }
        let e = run("action-network-csv/no_email.csv", Some("x"), "UTC").unwrap_err();
        all += &format!("{e:?}");
        // Every e-mail, name, phone, street, zip and free text of the fixtures.
        let needles = [
            "janelle",
            "dorsey",
            "jonah",
            "whitfield",
            "marisol",
            "quintero",
            "weiming",
            "zhao",
            "oluwaseun",
            "adeyemi",
            "priyanka",
            "venkataraman",
            "anabel",
            "lozano",
            "samuel",
            "rivera",
            "leandra",
            "kimball",
            "example.",
            "2125550143",
            "4155550198",
            "3125550117",
            "6175550160",
            "4045550101",
            "2135550175",
            "72nd",
            "mission street",
            "evergreen",
            "peachtree",
            "10023",
            "94110",
            "60614",
            "98101",
            "02139",
            "30303",
            "78701",
            "90012",
            "90026",
            "kids breathe",
        ];
        let lower = all.to_lowercase();
        for n in needles {
            assert!(!lower.contains(n), "'{n}' leaked into: {all}");
        }
    }

    #[test]
    fn detection() {
        for f in ["petition_signatures.csv", "event_rsvps.csv"] {
            assert!(detect_file(&ADAPTER, &fixture(&format!("action-network-csv/{f}")).path) >= 50, "{f}");
        }
        assert_eq!(detect_file(&ADAPTER, &fixture("action-network-csv/no_email.csv").path), 60);
        for s in OTHER_SAMPLES {
            assert_eq!(detect_file(&ADAPTER, &sample(s)), 0, "{s}");
        }
        assert_eq!(detect_file(&ADAPTER, &fixture("actions-csv/crm_actions.csv").path), 0);
    }
}
