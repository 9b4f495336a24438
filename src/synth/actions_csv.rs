//! `actions-csv` writer: the canonical `actor,action,occurred_at,platform,post_id,campaign,source,country`
//! as a CRM or a social tool exports it (docs/formats.md#supporter-actions), plus the columns a
//! real CRM export carries and ingest never reads (`full_name`: personal data stays out of the
//! lake). Streams one row at a time.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use super::csv_row;

pub const HEADER: &[&str] =
    &["actor", "action", "occurred_at", "platform", "post_id", "campaign", "source", "country", "full_name"];

pub struct Row<'a> {
    /// An e-mail, or a platform user id (with `platform`).
    pub actor: &'a str,
    pub action: &'a str,
    pub at: DateTime<Utc>,
    pub platform: &'a str,
    pub post_id: &'a str,
    pub campaign: &'a str,
    pub source: &'a str,
    /// ISO alpha-2: the supporter's address country, or the event's; blank when unknown.
    pub country: &'a str,
    pub full_name: &'a str,
}

pub fn header(w: &mut dyn Write) -> io::Result<()> {
    csv_row(w, HEADER)
}

pub fn row(w: &mut dyn Write, r: &Row) -> io::Result<()> {
    let at = r.at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    csv_row(w, &[r.actor, r.action, &at, r.platform, r.post_id, r.campaign, r.source, r.country, r.full_name])
}
