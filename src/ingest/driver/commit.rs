//! Phase 4: commit what passed, in one step, and report the duplicates the commit found.

use anyhow::{Context, Result};
use std::collections::BTreeSet;

use super::plan::Planned;
use super::{Outcome, Report};
use crate::lake::commit::{StagedFile, Txn};
use crate::lake::manifest::Manifest;

pub(super) fn commit(
    txn: Txn,
    old: &Manifest,
    staged: Vec<StagedFile>,
    remove: &BTreeSet<String>,
    planned: &[Planned],
    report: &mut Report,
) -> Result<()> {
    let new = txn.commit(old, staged, remove).context("committing to the lake")?;
    for f in new.files.iter().filter(|f| !f.duplicates.is_empty()) {
        if let Some(p) = planned.iter().find(|p| p.id == f.id) {
            if let Outcome::Ingested { duplicates, .. } = &mut report.inputs[p.slot].1 {
                duplicates.clone_from(&f.duplicates);
            }
        }
    }
    Ok(())
}
