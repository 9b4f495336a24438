//! No output holds a supporter's e-mail, name, phone number or address, nor any byte of the
//! lake's key:
//! - the supporter fixtures are ingested (with a bad row, so `_rejects/` is written too) into
//!   an uncompressed lake, and every byte of every file under it is searched;
//! - hostile supporter exports of every supporter format (personal data in free-text cells,
//!   files without a header row, a file no adapter knows, the lake and its key inside the
//!   input folder, `--lake .`) go through `ingest` and `run`, and every byte written (files,
//!   file names, stdout, stderr) and every decoded Parquet value is searched, with the key's
//!   hex and raw bytes among the needles.

use std::path::{Path, PathBuf};

use crate::common::{s, Workdir};

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel).to_string_lossy().into_owned()
}

/// The personal values of the fixtures: every e-mail, and the cells of name, phone and
/// address columns (CSV) or fields (JSON).
fn personal_values() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let email = regex::Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").unwrap();
    let personal_cols = [
        "email",
        "first_name",
        "last_name",
        "can2_phone",
        "can2_user_address",
        "full_name",
        "phone",
        "street",
        "actor",
    ];
    for rel in [
        "action-network-csv/petition_signatures.csv",
        "action-network-csv/event_rsvps.csv",
        "actions-csv/crm_actions.csv",
    ] {
        let text = std::fs::read_to_string(fixture(rel)).unwrap();
        let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let headers = r.headers().unwrap().clone();
        for rec in r.records() {
            let rec = rec.unwrap();
            for (h, v) in headers.iter().zip(rec.iter()) {
                // Numeric actors are platform ids, not personal data.
                if personal_cols.contains(&h)
                    && v.len() >= 4
                    && !(h == "actor" && v.chars().all(|c| c.is_ascii_digit()))
                {
                    out.push(v.to_string());
                }
            }
        }
    }
    for rel in ["action-network-json/webhook_batch.json", "action-network-json/signatures_page.json"] {
        let text = std::fs::read_to_string(fixture(rel)).unwrap();
        out.extend(email.find_iter(&text).map(|m| m.as_str().to_string()));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        collect_json(&v, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn collect_json(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if ["given_name", "family_name", "number", "address", "locality"].contains(&k.as_str()) {
                    if let Some(s) = x.as_str() {
                        out.push(s.to_string());
                    }
                }
                if k == "address_lines" {
                    out.extend(x.as_array().into_iter().flatten().filter_map(|l| l.as_str().map(String::from)));
                }
                collect_json(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_json(x, out)),
        _ => {}
    }
}

fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            all_files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

#[test]
fn no_personal_data_anywhere_under_the_lake() {
    let w = Workdir::new();
    let lake = w.lake();
    // One more signer whose date is broken: rejected, and the reject must not hold the row.
    let mut petition = std::fs::read_to_string(fixture("action-network-csv/petition_signatures.csv")).unwrap();
    petition.push_str("7d3e1a2b-0000-4000-8000-000000000001,Zebedee,Quartermaine,zebedee.q@example.com,10001,1 Main St,New York,NY,New York,2125550100,subscribed,subscribed,,not-a-date,facebook,,\n");
    w.write("petition.csv", &petition);
    let plain = |args: &[&str]| {
        let o = w.cmd().env("RALLYLENS_PARQUET_COMPRESSION", "none").args(args).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    plain(&["ingest", "petition.csv", "--action", "sign_petition", "--lake", s(&lake), "--max-reject-rate", "50%"]);
    plain(&["ingest", &fixture("action-network-csv/event_rsvps.csv"), "--action", "attend_event", "--lake", s(&lake)]);
    // These fixtures carry deliberately bad records too (up to 1 in 3).
    plain(&[
        "ingest",
        &fixture("action-network-json"),
        &fixture("actions-csv/crm_actions.csv"),
        "--lake",
        s(&lake),
        "--max-reject-rate",
        "50%",
    ]);
    let sum = w.summary();
    assert!(sum["rows_rejected"].as_u64().unwrap() >= 1, "the broken row should be rejected: {sum}");
    assert!(lake.join("_rejects").exists());

    let mut values = personal_values();
    values.push("Zebedee".into());
    values.push("zebedee.q@example.com".into());
    assert!(values.len() > 20, "the fixtures should hold plenty of personal data: {values:?}");
    let mut files = Vec::new();
    all_files(&lake, &mut files);
    assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "parquet")));
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let lower = String::from_utf8_lossy(&bytes).to_lowercase();
        for v in &values {
            assert!(!lower.contains(&v.to_lowercase()), "{} holds personal data: {v:?}", f.display());
        }
    }
    // The actor ids are there, as pseudonyms: 32 hex digits.
    let actions = crate::duckdb::duckdb(
        &lake,
        "print(duckdb.sql(f\"select count(*), min(length(actor_id)) from read_parquet('{LAKE}/actions/*/*.parquet')\").fetchall()[0])",
    );
    assert!(actions.ends_with(", 32)"), "{actions}");
}

// ---------------------------------------------------------------- hostile supporter exports

/// The personal values planted in the hostile exports below (searched case-insensitively).
const NEEDLES: &[&str] = &[
    // names
    "Zebedee",
    "Quartermaine",
    "Philippa",
    "Oyelaran",
    // e-mails
    "zebedee.q@example.com",
    "philippa@oyelaran.example.net",
    // phones, as written and in parts
    "+1 212 555 0147",
    "212 555 0147",
    "2125550147",
    "(212) 555-0199",
    "555-0199",
    "+44 20 7946 0958",
    "7946 0958",
    // street addresses and postcodes
    "221B Baker Street",
    "Baker Street",
    "Quartermaine Lane",
    "10001-4356",
    "EC1V 9HX",
];

/// `actions-csv`: e-mails and phones in every free-text column (source, medium, campaign,
/// post_id, action_key), a platform and a verb that are personal data (rejected), and
/// name, phone, street and postcode columns (never read).
const CRM: &str = "\
actor,action,occurred_at,platform,post_id,campaign,source,medium,action_key,full_name,phone,street,zip
zebedee.q@example.com,sign_petition,2024-03-05T14:22:31Z,,,cleanair,zebedee.q@example.com,+1 212 555 0147,,Zebedee Quartermaine,+1 212 555 0147,221B Baker Street,10001-4356
philippa@oyelaran.example.net,donate,2024-03-06T10:00:00Z,crm,philippa@oyelaran.example.net,(212) 555-0199,newsletter,email,philippa@oyelaran.example.net,Philippa Oyelaran,2125550147,Quartermaine Lane 7,EC1V 9HX
@zebedee_q,like,2024-03-06T11:00:00Z,twitter,1765001234567890123,cleanair,2125550147,social,,,,,
zebedee.q@example.com,share,2024-03-07T09:00:00Z,zebedee.q@example.com,,,,,,,,,
zebedee.q@example.com,+44 20 7946 0958,2024-03-07T09:30:00Z,,,,,,,,,,
";

/// `action-network-csv`: an e-mail and a phone number as source codes, a person's
/// referrer code.
const AN_CSV: &str = "\
uuid,first_name,last_name,email,zip_code,can2_user_address,can2_phone,created_date,source,referrer
0b9c2a6e-1f4d-4c1e-9a43-7d1f5e2b8c01,Zebedee,Quartermaine,zebedee.q@example.com,10001-4356,221B Baker Street,+1 212 555 0147,2024-03-05 09:22:31,zebedee.q@example.com,group-clean-air
5d7e8f90-2a3b-4c5d-8e9f-0a1b2c3d4e5f,Philippa,Oyelaran,philippa@oyelaran.example.net,EC1V 9HX,Quartermaine Lane 7,2125550147,2024-03-06 10:00:00,+44 20 7946 0958,philippa-oyelaran
";

/// `action-network-json`: personal data in the person, an e-mail and a phone number as
/// source codes, and an object of another type whose key is an e-mail.
const AN_JSON: &str = r#"[
  {
    "osdi:signature": {
      "created_date": "2024-03-05T14:22:31Z",
      "identifiers": ["action_network:11111111-2222-4333-8444-555555555555"],
      "person": {
        "given_name": "Zebedee",
        "family_name": "Quartermaine",
        "email_addresses": [{"primary": true, "address": "zebedee.q@example.com"}],
        "phone_numbers": [{"primary": true, "number": "+1 212 555 0147"}],
        "postal_addresses": [{"address_lines": ["221B Baker Street"], "postal_code": "10001-4356"}]
      },
      "action_network:referrer_data": {"source": "philippa@oyelaran.example.net", "referrer": "zebedee-quartermaine"}
    }
  },
  {
    "osdi:signature": {
      "created_date": "2024-03-06T10:00:00Z",
      "identifiers": ["action_network:66666666-7777-4888-9999-000000000000"],
      "person": {"given_name": "Philippa", "family_name": "Oyelaran", "email_addresses": [{"address": "philippa@oyelaran.example.net"}]},
      "action_network:referrer_data": {"source": "+44 20 7946 0958", "referrer": "group-clean-air"}
    }
  },
  {"zebedee.q@example.com:note": {"text": "Zebedee Quartermaine"}}
]
"#;

/// `custom-csv` with an actions mapping: an e-mail as source, a phone number as campaign.
const VOLUNTEERS: &str = "\
Name,E-Mail,Telefon,Adresse,Datum,Aktion,Quelle,Kampagne
Zebedee Quartermaine,zebedee.q@example.com,+1 212 555 0147,221B Baker Street 10001-4356,2024-03-05,Unterschrift,zebedee.q@example.com,+44 20 7946 0958
Philippa Oyelaran,philippa@oyelaran.example.net,2125550147,Quartermaine Lane 7 EC1V 9HX,2024-03-06,Spende,Newsletter,cleanair
";

const MAPPING: &str = r#"table = "actions"
[columns]
actor = "E-Mail"
occurred_at = "Datum"
action = "Aktion"
source = "Quelle"
campaign = "Kampagne"
[values.action]
Unterschrift = "sign_petition"
Spende = "donate"
"#;

/// The data rows of `csv` without its header row.
fn headerless(csv: &str) -> String {
    csv.split_once('\n').unwrap().1.to_string()
}

/// Writes the hostile exports: `<dir>/` holds what a folder walk finds (three supporter
/// exports, two of them header-less copies, and a file no adapter knows); `custom/` the
/// custom-csv export, a header-less copy and the mapping. Returns the paths written.
fn plant(w: &Workdir, dir: &str) -> Vec<PathBuf> {
    let people = "Zebedee Quartermaine;zebedee.q@example.com;+1 212 555 0147;221B Baker Street;10001-4356\n\
                  Philippa Oyelaran;philippa@oyelaran.example.net;(212) 555-0199;Quartermaine Lane 7;EC1V 9HX\n";
    let files = [
        (format!("{dir}/crm.csv"), CRM.to_string()),
        (format!("{dir}/crm_noheader.csv"), headerless(CRM)),
        (format!("{dir}/an.csv"), AN_CSV.to_string()),
        (format!("{dir}/an_noheader.csv"), headerless(AN_CSV)),
        (format!("{dir}/an.json"), AN_JSON.to_string()),
        (format!("{dir}/people.txt"), people.to_string()),
        ("custom/volunteers.csv".to_string(), VOLUNTEERS.to_string()),
        ("custom/noheader.csv".to_string(), headerless(VOLUNTEERS)),
        ("custom/volunteers.toml".to_string(), MAPPING.to_string()),
    ];
    files.iter().map(|(rel, text)| w.write(rel, text)).collect()
}

/// Runs rallylens in `cwd`; keeps stdout and stderr for the search; returns the exit code.
/// `ingest` writes uncompressed Parquet (raw bytes searchable too); `run` keeps the default
/// zstd, so that there only the decoded values can tell.
fn go(w: &Workdir, cwd: &Path, args: &[&str], said: &mut Vec<(String, String)>) -> i32 {
    let mut c = w.cmd();
    if args[0] != "run" {
        c.env("RALLYLENS_PARQUET_COMPRESSION", "none");
    }
    let o = c.current_dir(cwd).env("SOURCE_DATE_EPOCH", "1790000000").args(args).output().unwrap();
    said.push((format!("stdout of {args:?}"), String::from_utf8_lossy(&o.stdout).into_owned()));
    said.push((format!("stderr of {args:?}"), String::from_utf8_lossy(&o.stderr).into_owned()));
    o.status.code().unwrap_or(-1)
}

/// Every value of a Parquet file as text, one per line (read with arrow-rs, whatever wrote it).
fn parquet_values(path: &Path) -> (String, usize) {
    use arrow::util::display::{ArrayFormatter, FormatOptions};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .build()
        .unwrap();
    let (mut out, mut rows) = (String::new(), 0);
    for batch in reader {
        let batch = batch.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        rows += batch.num_rows();
        for (field, col) in batch.schema().fields().iter().zip(batch.columns()) {
            out.push_str(field.name());
            out.push('\n');
            // Times with a zone are shown as numbers (arrow's display needs chrono-tz for zones).
            let col = match col.data_type() {
                arrow::datatypes::DataType::Timestamp(_, Some(_)) => {
                    arrow::compute::cast(col, &arrow::datatypes::DataType::Int64).unwrap()
                }
                _ => col.clone(),
            };
            let fmt = ArrayFormatter::try_new(col.as_ref(), &FormatOptions::default()).unwrap();
            for i in 0..col.len() {
                out.push_str(&fmt.value(i).to_string());
                out.push('\n');
            }
        }
    }
    (out, rows)
}

/// The needles of a key file: every 16-digit window of its hex (a quote of any part of the
/// key is a leak), and its raw bytes.
fn key_needles(key: &Path) -> (Vec<String>, Vec<u8>) {
    let hexkey = std::fs::read_to_string(key).unwrap().trim().to_lowercase();
    assert_eq!(hexkey.len(), 64, "{}", key.display());
    let windows = (0..=hexkey.len() - 16).map(|i| hexkey[i..i + 16].to_string()).collect();
    (windows, hex::decode(&hexkey).unwrap())
}

/// Fails when `bytes` (shown as `label`) holds a needle or the key's raw bytes.
fn search(label: &str, bytes: &[u8], needles: &[String], key_raw: &[u8]) {
    let lower = String::from_utf8_lossy(bytes).to_lowercase();
    for n in needles {
        assert!(!lower.contains(n.as_str()), "{label} holds {n:?}:\n{}", around(&lower, n));
    }
    assert!(!bytes.windows(key_raw.len()).any(|b| b == key_raw), "{label} holds the key's raw bytes");
}

/// Text around the first match of `n` in `s`, for the failure message.
fn around(s: &str, n: &str) -> String {
    let i = s.find(n).unwrap_or(0);
    let (mut a, mut b) = (i.saturating_sub(200), (i + n.len() + 200).min(s.len()));
    while !s.is_char_boundary(a) {
        a -= 1;
    }
    while !s.is_char_boundary(b) {
        b += 1;
    }
    s[a..b].to_string()
}

/// Searches everything rallylens wrote under `roots` (file names, bytes, decoded Parquet
/// values) and said (`said`), except the files in `skip` (the planted inputs and the key
/// itself), for the personal values and any part of the key at `key`. Returns the rows of
/// the Parquet files under `<lake>/actions/`.
fn assert_nothing_leaked(
    roots: &[PathBuf],
    skip: &[PathBuf],
    said: &[(String, String)],
    key: &Path,
    lake: &Path,
) -> usize {
    let (mut needles, key_raw) = key_needles(key);
    needles.extend(NEEDLES.iter().map(|n| n.to_lowercase()));
    for (label, text) in said {
        search(label, text.as_bytes(), &needles, &key_raw);
    }
    let mut files = Vec::new();
    for r in roots {
        all_files(r, &mut files);
    }
    files.sort();
    files.dedup();
    let skip: Vec<PathBuf> = skip.iter().map(|p| p.canonicalize().unwrap()).collect();
    let key = key.canonicalize().unwrap();
    let (mut parquet, mut action_rows) = (0, 0);
    for f in &files {
        let canon = f.canonicalize().unwrap();
        if skip.contains(&canon) || canon == key {
            continue;
        }
        let label = f.display().to_string();
        search(&format!("the name {label}"), label.as_bytes(), &needles, &key_raw);
        search(&label, &std::fs::read(f).unwrap(), &needles, &key_raw);
        if f.extension().is_some_and(|e| e == "parquet") {
            let (values, rows) = parquet_values(f);
            search(&format!("the values of {label}"), values.as_bytes(), &needles, &key_raw);
            parquet += 1;
            if f.starts_with(lake.join("actions")) {
                action_rows += rows;
            }
        }
    }
    assert!(parquet > 0, "no Parquet file was searched");
    action_rows
}

#[test]
fn hostile_supporter_exports_leave_no_trace_in_ingest() {
    let w = Workdir::new();
    let planted = plant(&w, "in");
    let root = w.dir.path().to_path_buf();
    let mut said = Vec::new();
    let lake = "in/lake";
    // The input folder, with the lake and (beside it) the key inside it: crm.csv, an.csv and
    // an.json are read, the header-less copies and people.txt are of no known format.
    let code = go(
        &w,
        &root,
        &["ingest", "in", "--lake", lake, "--action", "sign_petition", "--max-reject-rate", "50%"],
        &mut said,
    );
    assert_eq!(code, 3, "{said:#?}");
    assert!(w.path("in/lake.key").exists() && !w.path("in/lake/lake.key").exists());

    // Header-less supporter exports forced into their format: the error names line 1, not
    // the cells it holds.
    let code = go(&w, &root, &["ingest", "in/crm_noheader.csv", "--format", "actions-csv", "--lake", lake], &mut said);
    assert_eq!(code, 3);
    assert!(said.last().unwrap().1.contains("line 1"), "{said:#?}");
    let code = go(
        &w,
        &root,
        &[
            "ingest",
            "in/an_noheader.csv",
            "--format",
            "action-network-csv",
            "--action",
            "sign_petition",
            "--lake",
            lake,
        ],
        &mut said,
    );
    assert_eq!(code, 3);
    let code = go(
        &w,
        &root,
        &["ingest", "custom/volunteers.csv", "--mapping", "custom/volunteers.toml", "--lake", lake],
        &mut said,
    );
    assert_eq!(code, 0, "{said:#?}");
    let code = go(
        &w,
        &root,
        &["ingest", "custom/noheader.csv", "--mapping", "custom/volunteers.toml", "--lake", lake],
        &mut said,
    );
    assert_eq!(code, 3);
    // The folder again, now holding the lake and its key (a walk that reads them must not
    // quote them), and the key itself, forced into a format that keeps raw rows of rejects.
    go(
        &w,
        &root,
        &["ingest", "in", "--lake", lake, "--action", "sign_petition", "--max-reject-rate", "50%"],
        &mut said,
    );
    let code = go(
        &w,
        &root,
        &["ingest", "in/lake.key", "--format", "twitter-v2-jsonl", "--lake", lake, "--max-reject-rate", "100%"],
        &mut said,
    );
    assert_ne!(code, 0, "the key was ingested: {said:#?}");

    let rows = assert_nothing_leaked(&[root.clone()], &planted, &said, &w.path("in/lake.key"), &w.path(lake));
    // The supporters' actions are there, pseudonymised: crm.csv 3 (lines 5 and 6 rejected:
    // an e-mail as platform, a phone number as verb), an.csv 2, an.json 2, volunteers.csv 2.
    assert_eq!(rows, 9);
    // What the first ingest said: the unknown file is named; the screened cells are named
    // by file, line and column: crm.csv line 2 (source, an e-mail; medium, a phone), an.csv
    // line 2 (source).
    let err = &said[1].1;
    assert!(err.contains("in/people.txt") && err.contains("unknown format"), "{err}");
    assert!(err.contains("in/crm.csv, line 2") && err.contains("'source'") && err.contains("'medium'"), "{err}");
    assert!(err.contains("in/an.csv, line 2"), "{err}");
}

#[test]
fn lake_dot_keeps_the_key_beside_the_lake() {
    let w = Workdir::new();
    let planted = plant(&w, "exports");
    let proj = w.path("proj");
    std::fs::create_dir_all(&proj).unwrap();
    let mut said = Vec::new();
    // The lake is the current folder: it is never read as an input (docs: the walk).
    assert_eq!(go(&w, &proj, &["ingest", ".", "--lake", "."], &mut said), 3, "{said:#?}");
    assert!(said.last().unwrap().1.contains("the lake"), "{said:#?}");
    let args = ["ingest", "../exports", "--lake", ".", "--action", "sign_petition", "--max-reject-rate", "50%"];
    assert_eq!(go(&w, &proj, &args, &mut said), 3, "{said:#?}");
    // The key of the lake `proj` is `proj.key` beside it, never inside it.
    assert!(w.path("proj.key").exists(), "{said:#?}");
    let mut inside = Vec::new();
    all_files(&proj, &mut inside);
    let (windows, _) = key_needles(&w.path("proj.key"));
    for f in &inside {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).to_lowercase();
        assert!(!text.contains(&windows[0]), "{} holds the key", f.display());
    }
    // A lake whose key an earlier version left inside it (`./lake.key`): refused, naming
    // the move that keeps its pseudonyms; no new key is made. After the move, it runs.
    std::fs::rename(w.path("proj.key"), proj.join("lake.key")).unwrap();
    assert_eq!(go(&w, &proj, &args, &mut said), 1);
    let err = &said.last().unwrap().1;
    assert!(err.contains("mv ./lake.key ") && err.contains("proj.key"), "{err}");
    assert!(!w.path("proj.key").exists());
    std::fs::rename(proj.join("lake.key"), w.path("proj.key")).unwrap();
    // Again, with the lake holding its own files now.
    assert_eq!(go(&w, &proj, &args, &mut said), 3, "{said:#?}");
    assert!(!said.last().unwrap().1.contains("inside"), "{said:#?}");
    // A key file named inside the lake is refused.
    let code = go(
        &w,
        &proj,
        &["ingest", "../exports/an.csv", "--lake", ".", "--key", "my.key", "--action", "sign_petition"],
        &mut said,
    );
    assert_eq!(code, 1, "{said:#?}");
    assert!(said.last().unwrap().1.contains("inside the lake"), "{said:#?}");
    assert!(!proj.join("my.key").exists());
    let rows = assert_nothing_leaked(&[proj.clone(), w.path("exports")], &planted, &said, &w.path("proj.key"), &proj);
    assert_eq!(rows, 7); // crm.csv 3, an.csv 2, an.json 2
}

#[test]
fn hostile_supporter_exports_leave_no_trace_in_run() {
    let w = Workdir::new();
    let planted = plant(&w, "in");
    let root = w.dir.path().to_path_buf();
    // The output folder (and the lake in it, with its key) inside the input folder.
    w.write(
        "pipelines/privacy.toml",
        r#"[output]
dir = "in/out"
title = "Clean air"

[[inputs]]
path = "in"
action = "sign_petition"

[[inputs]]
path = "custom/volunteers.csv"
mapping = "custom/volunteers.toml"

[[campaigns]]
id = "cleanair"
name = "Clean air"
start = 2024-03-04
end = 2024-03-10
"#,
    );
    let mut said = Vec::new();
    for _ in 0..2 {
        let code = go(&w, &root, &["run", "pipelines/privacy.toml", "--max-reject-rate", "50%"], &mut said);
        assert_eq!(code, 3, "{said:#?}");
    }
    let md = std::fs::read_to_string(w.path("in/out/report.md")).unwrap();
    assert!(md.contains("in/people.txt"), "{md}");
    let lake = w.path("in/out/lake");
    let rows = assert_nothing_leaked(&[root.clone()], &planted, &said, &w.path("in/out/lake.key"), &lake);
    assert_eq!(rows, 9);
}

#[test]
fn a_lake_of_actions_whose_key_is_missing_is_refused_not_rekeyed() {
    // A new key for a lake that already holds pseudonyms would give every supporter a
    // second one, and the ladder would count them twice: refused, naming the file.
    let w = Workdir::new();
    plant(&w, "exports");
    let root = w.path("");
    let mut said = Vec::new();
    let args = ["ingest", "exports/an.csv", "--lake", "lake", "--action", "sign_petition", "--max-reject-rate", "50%"];
    assert_ne!(go(&w, &root, &args, &mut said), 1, "{said:#?}");
    let key = w.path("lake.key");
    let kept = std::fs::read(&key).unwrap();
    std::fs::rename(&key, w.path("backup.key")).unwrap();
    let args = ["ingest", "exports/crm.csv", "--lake", "lake", "--max-reject-rate", "50%"];
    assert_eq!(go(&w, &root, &args, &mut said), 1, "{said:#?}");
    let err = &said.last().unwrap().1;
    assert!(err.contains("holds 2 actions") && err.contains("lake.key") && err.contains("restore"), "{err}");
    assert!(!key.exists(), "a new key was made");
    // `--key` naming a missing file is refused the same way.
    let with_key = ["ingest", "exports/crm.csv", "--lake", "lake", "--key", "other.key", "--max-reject-rate", "50%"];
    assert_eq!(go(&w, &root, &with_key, &mut said), 1, "{said:#?}");
    assert!(!w.path("other.key").exists());
    // The key restored, the same ingest goes in under the same pseudonyms.
    std::fs::rename(w.path("backup.key"), &key).unwrap();
    assert_ne!(go(&w, &root, &args, &mut said), 1, "{said:#?}");
    assert_eq!(std::fs::read(&key).unwrap(), kept);
}
