//! No file under the lake holds a supporter's e-mail, name, phone number or address: the
//! supporter fixtures are ingested (with a bad row, so `_rejects/` is written too) into an
//! uncompressed lake, and every byte of every file under it is searched.

use std::path::Path;

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
