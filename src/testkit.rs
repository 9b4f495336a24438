//! Helpers for unit tests that cross stages: a lake written from hand-made records.

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
