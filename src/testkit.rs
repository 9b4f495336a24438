//! Helpers for unit tests that cross stages (a lake written from hand-made records, an SVG
//! check), and the test that runs records through analyze and render.

use std::path::Path;

use anyhow::Result;

use crate::ingest::rules::Stamped;
use crate::ingest::Ctx;
use crate::lake::commit::{StagedFile, Txn};
use crate::lake::manifest::{FileEntry, Manifest, PartEntry};
use crate::lake::parts::PartSink;
use crate::lake::Lake;
use crate::pseudo::Pseudonymizer;
use crate::schema::{AccountSnap, Action, Out, Post, Traffic};

/// Writes hand-made records into the lake at `root` as one input, through the real writer
/// and commit (collected posts yield their derived actions, as in ingest). For tests and
/// examples of the metrics: `name` is the input's `source_file`.
pub fn write_records(
    root: &Path,
    name: &str,
    posts: &[Post],
    actions: &[Action],
    traffic: &[Traffic],
    accounts: &[AccountSnap],
) -> Result<Manifest> {
    let lake = Lake::open_for_write(root, true)?;
    let old = lake.manifest()?;
    let key = Pseudonymizer::for_lake(root, None)?;
    let cx = Ctx::new(name, &key);
    let txn = Txn::begin(root)?;
    let seq = old.next_seq;
    let id = format!("f{seq:06}");
    let mut sink = Stamped { cx: &cx, inner: PartSink::new(&txn.source_dir(&id), 0) };
    for p in posts {
        sink.post(p.clone());
    }
    for a in actions {
        sink.action(a.clone());
    }
    for t in traffic {
        sink.traffic(t.clone());
    }
    for a in accounts {
        sink.account(a.clone());
    }
    let res = sink.inner.finish()?;
    let mut tables = std::collections::BTreeMap::new();
    let parts = res
        .parts
        .iter()
        .map(|wp| {
            *tables.entry(wp.table.to_string()).or_insert(0) += wp.rows;
            PartEntry::from_written(wp)
        })
        .collect();
    let entry = FileEntry {
        seq,
        id: id.clone(),
        path: name.into(),
        abs_path: format!("(records)/{name}/{seq}"),
        size: 0,
        mtime: None,
        sha256: format!("records-{seq}"),
        format: "records".into(),
        options: String::new(),
        campaign: None,
        ingested_at: String::new(),
        rows_read: 0,
        rejected: 0,
        tables,
        duplicates: Default::default(),
        parts,
        warnings: vec![],
    };
    txn.commit(&old, vec![StagedFile { entry, rejects: vec![] }], &Default::default())
}

/// Tags balance (one root `<svg>`), and every `&` starts an entity.
pub fn check_xml(svg: &str) {
    assert!(svg.starts_with("<svg "), "{}", &svg[..60.min(svg.len())]);
    assert!(!svg.contains("<?xml"));
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let j = rest[i..].find('>').expect("a closed tag") + i;
        let tag = &rest[i + 1..j];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.trim()), "mismatched </{name}>");
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap();
            if stack.is_empty() {
                roots += 1;
            }
            stack.push(name);
        }
        assert!(!tag[1..].contains('<'), "a raw < inside a tag: {tag}");
        rest = &rest[j + 1..];
    }
    assert!(stack.is_empty() && roots == 1, "{stack:?} {roots}");
    for (i, _) in svg.match_indices('&') {
        let ent = &svg[i..(i + 6).min(svg.len())];
        assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"].iter().any(|e| ent.starts_with(e)), "{ent}");
    }
}

/// Records in, charts out: no single stage owns this test.
mod e2e {
    /// analyze's own output (real dtypes after a Parquet round trip) renders: a tiny lake,
    /// two campaigns, traffic for the first one only.
    #[test]
    fn analyze_output_renders() {
        use crate::model::{Action, Day, Micros, Post, Traffic};
        use crate::render::charts::charts;
        use crate::render::Metrics;
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("lake");
        let ts = |s: &str| -> Option<Micros> { crate::model::Micros::parse_iso(s) };
        let post = |id: &str, at: &str, reach: i64, tag: &str| Post {
            platform: "facebook".into(),
            post_id: id.into(),
            origin: "owned",
            account_id: Some("ngo".into()),
            account_handle: Some("ngo".into()),
            created_at: ts(at),
            content_type: "photo",
            hashtags: vec![tag.into()],
            reach: Some(reach),
            reactions: Some(reach / 20),
            ..Default::default()
        };
        let posts = [
            post("k1", "2024-03-01T10:00:00Z", 1000, "kenya2024"),
            post("k2", "2024-03-02T10:00:00Z", 3000, "kenya2024"),
            post("s1", "2024-06-03T10:00:00Z", 2000, "shellout"),
        ];
        let act = |who: &str, verb: &str, at: &str, camp: &str| Action {
            platform: "crm".into(),
            actor_id: who.into(),
            action: verb.into(),
            occurred_at: ts(at),
            campaign: Some(camp.into()),
            ..Default::default()
        };
        let actions = [
            act("a", "like", "2024-03-01T09:00:00Z", "kenya"),
            act("a", "sign_petition", "2024-03-02T09:00:00Z", "kenya"),
            act("b", "share", "2024-06-04T09:00:00Z", "shell"),
        ];
        // Kenya's 28 baseline days (Feb 2 .. 29) and its 3 window days: search and facebook.
        let mut traffic = Vec::new();
        for k in 0..31 {
            let day = Some(Day::from_naive(d("2024-02-02") + chrono::Duration::days(k)));
            for (channel, n) in [("search", 100 + k % 7), ("facebook", 10 + k % 3 + if k >= 28 { 20 } else { 0 })] {
                traffic.push(Traffic {
                    platform: "web".into(),
                    date_start: day,
                    date_end: day,
                    source: Some(channel.into()),
                    channel,
                    sessions: Some(n),
                    ..Default::default()
                });
            }
        }
        super::write_records(&root, "t", &posts, &actions, &traffic, &[]).unwrap();
        let pipe = crate::pipeline::Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='kenya'\nname='Kenya & co'\nstart=2024-03-01\nend=2024-03-03\n\
             hashtags=['#kenya2024']\nown_accounts={facebook=['ngo']}\n\
             [[campaigns]]\nid='shell'\nstart=2024-06-03\nend=2024-06-09\nhashtags=['#shellout']\n\
             own_accounts={facebook=['ngo']}\n",
        )
        .unwrap();
        let out = dir.path().join("out");
        crate::metrics::analyze::analyze(&pipe, &root, &out).unwrap();
        let m = Metrics::load(&out).unwrap();
        let cs = charts(&m).unwrap();
        let s: Vec<&str> = cs.iter().map(|c| c.file_stem.as_str()).collect();
        for want in ["reach_daily-kenya", "referral_uplift-kenya", "hashtags-kenya", "hashtags-shell", "signups"] {
            assert!(s.contains(&want), "{want} missing from {s:?}");
        }
        assert!(!s.contains(&"referral_uplift-shell"), "{s:?}");
        for c in &cs {
            super::check_xml(&c.svg);
            assert_eq!(&c.png[..8], b"\x89PNG\r\n\x1a\n");
        }
    }
}
