//! `action-network-csv` writer: a petition's signature download (docs/formats.md#action-network-csv;
//! the column set of tests/fixtures/action-network-csv): the activist's uuid,
//! names, e-mail, address (with its `country`) and `can2_*` columns, `created_date`, the `source` and
//! `referrer` codes. The action (`sign_petition`) is not in the file: the pipeline input
//! gives it. Streams one row at a time.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use super::csv_row;

pub const HEADER: &[&str] = &[
    "uuid",
    "first_name",
    "last_name",
    "email",
    "zip_code",
    "can2_user_address",
    "can2_user_city",
    "can2_state_abbreviated",
    "can2_county",
    "country",
    "can2_phone",
    "can2_sms_status",
    "can2_subscription_status",
    "can2_user_tags",
    "created_date",
    "source",
    "referrer",
    "Comments",
];

pub struct Signature<'a> {
    pub uuid: &'a str,
    pub first: &'a str,
    pub last: &'a str,
    pub email: &'a str,
    pub zip: &'a str,
    pub city: &'a str,
    pub country: &'a str,
    pub at: DateTime<Utc>,
    pub source: &'a str,
    pub referrer: &'a str,
    pub comment: &'a str,
}

pub fn header(w: &mut dyn Write) -> io::Result<()> {
    csv_row(w, HEADER)
}

pub fn row(w: &mut dyn Write, s: &Signature) -> io::Result<()> {
    let at = s.at.format("%Y-%m-%d %H:%M:%S").to_string();
    csv_row(
        w,
        &[
            s.uuid,
            s.first,
            s.last,
            s.email,
            s.zip,
            "",
            s.city,
            "",
            "",
            s.country,
            "",
            "",
            "subscribed",
            "",
            &at,
            s.source,
            s.referrer,
            s.comment,
        ],
    )
}
