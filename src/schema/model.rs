//! The canonical records of the lake (docs/lake.md) and their Arrow schemas.
//!
//! Adapters produce these structs; the lake writer turns them into Arrow record batches
//! with [`TableBuilder`]. One declaration per table (the `table!` macro) gives the struct's
//! columns, the Arrow schema and the builder, so a column cannot be in one and not the other.
//!
//! Types follow docs/lake.md: counts `Int64`, times `Timestamp(µs, UTC)`, days `Date32`,
//! lists `List<Utf8>`. A figure an export lacks is `None` (null), never 0.

use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;

/// Microseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(pub i64);

/// Days since the Unix epoch (a calendar date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

impl Day {
    pub fn from_naive(d: chrono::NaiveDate) -> Day {
        Day(d.signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32)
    }
    pub fn to_naive(self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(self.0 as i64)
    }
}

impl Micros {
    pub fn from_datetime<Tz: chrono::TimeZone>(t: &chrono::DateTime<Tz>) -> Micros {
        Micros(t.timestamp_micros())
    }
    pub fn to_datetime(self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_micros(self.0).unwrap_or_default()
    }
    /// The UTC calendar day of this instant.
    pub fn utc_day(self) -> Day {
        Day(self.0.div_euclid(86_400_000_000) as i32)
    }
    /// This instant when it lies in [`TIME_WINDOW`], else `None`.
    pub fn in_window(self) -> Option<Micros> {
        (EARLIEST_US..AFTER_US).contains(&self.0).then_some(self)
    }
    /// RFC 3339 / ISO 8601 with an offset, also without the colon (`2017-01-19T09:03:47+0000`,
    /// Graph API) and with `Z`; fractional seconds allowed. `None` outside [`TIME_WINDOW`].
    pub fn parse_iso(s: &str) -> Option<Micros> {
        use chrono::DateTime;
        let s = s.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Micros::from_datetime(&t).in_window();
        }
        for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S %z"] {
            if let Ok(t) = DateTime::parse_from_str(s, f) {
                return Micros::from_datetime(&t).in_window();
            }
        }
        None
    }
}

/// The instants a record may carry: from 1990-01-01 (before the web, and before any export
/// this tool reads; a CRM's oldest donations fit) up to, not including, 2100-01-01. A time
/// outside it is a typo or a misread field (year 0, 9999, a date read as seconds), and the
/// row is rejected. The window is fixed, not "now + 1 year", so that the same file always
/// gives the same rows. Every time parser of ingest returns `None` outside it.
pub const TIME_WINDOW: &str = "between 1990-01-01 and 2099-12-31";
/// 1990-01-01T00:00:00Z and 2100-01-01T00:00:00Z in µs since the epoch.
const EARLIEST_US: i64 = 631_152_000_000_000;
const AFTER_US: i64 = 4_102_444_800_000_000;

/// A Rust value that is one cell of an Arrow column.
pub trait Cell {
    type Builder: ArrayBuilder;
    fn data_type() -> DataType;
    fn nullable() -> bool;
    fn builder(cap: usize) -> Self::Builder;
    fn append(&self, b: &mut Self::Builder);
}

macro_rules! cell {
    ($t:ty, $b:ty, $dt:expr, $null:expr, |$s:ident, $bb:ident| $body:expr, |$cap:ident| $new:expr) => {
        impl Cell for $t {
            type Builder = $b;
            fn data_type() -> DataType {
                $dt
            }
            fn nullable() -> bool {
                $null
            }
            fn builder($cap: usize) -> $b {
                $new
            }
            fn append(&self, $bb: &mut $b) {
                let $s = self;
                $body
            }
        }
    };
}

fn utc_ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

cell!(String, StringBuilder, DataType::Utf8, false, |s, b| b.append_value(s), |c| StringBuilder::with_capacity(
    c,
    c * 16
));
cell!(Option<String>, StringBuilder, DataType::Utf8, true, |s, b| b.append_option(s.as_deref()), |c| {
    StringBuilder::with_capacity(c, c * 16)
});
cell!(&'static str, StringBuilder, DataType::Utf8, false, |s, b| b.append_value(s), |c| StringBuilder::with_capacity(
    c,
    c * 8
));
cell!(Option<&'static str>, StringBuilder, DataType::Utf8, true, |s, b| b.append_option(*s), |c| {
    StringBuilder::with_capacity(c, c * 8)
});
cell!(Option<i64>, Int64Builder, DataType::Int64, true, |s, b| b.append_option(*s), |c| Int64Builder::with_capacity(c));
cell!(Option<bool>, BooleanBuilder, DataType::Boolean, true, |s, b| b.append_option(*s), |c| {
    BooleanBuilder::with_capacity(c)
});
cell!(Micros, TimestampMicrosecondBuilder, utc_ts(), false, |s, b| b.append_value(s.0), |c| {
    TimestampMicrosecondBuilder::with_capacity(c).with_timezone("UTC")
});
cell!(Option<Micros>, TimestampMicrosecondBuilder, utc_ts(), true, |s, b| b.append_option(s.map(|m| m.0)), |c| {
    TimestampMicrosecondBuilder::with_capacity(c).with_timezone("UTC")
});
cell!(Day, Date32Builder, DataType::Date32, false, |s, b| b.append_value(s.0), |c| Date32Builder::with_capacity(c));
cell!(Option<Day>, Date32Builder, DataType::Date32, true, |s, b| b.append_option(s.map(|d| d.0)), |c| {
    Date32Builder::with_capacity(c)
});
cell!(
    Vec<String>,
    ListBuilder<StringBuilder>,
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
    false,
    |s, b| {
        for v in s {
            b.values().append_value(v);
        }
        b.append(true)
    },
    |c| ListBuilder::with_capacity(StringBuilder::new(), c)
);

/// A canonical table: its name, the record type and an Arrow builder for batches of it.
pub trait Table: Sized + Send + 'static {
    const NAME: &'static str;
    type Builder: TableBuilder<Self>;
    fn schema() -> SchemaRef;
    /// Hive partition value (the `platform=` directory).
    fn platform(&self) -> &str;
}

/// Accumulates records into Arrow arrays.
pub trait TableBuilder<R>: Send {
    fn with_capacity(cap: usize) -> Self;
    fn push(&mut self, r: &R);
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Takes the accumulated rows as a batch and leaves the builder empty.
    fn finish(&mut self) -> RecordBatch;
}

macro_rules! table {
    (
        $(#[$meta:meta])*
        $name:literal, $rec:ident, $builder:ident, {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $rec {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        #[allow(non_snake_case)]
        pub struct $builder {
            len: usize,
            $( $field: <$ty as Cell>::Builder, )*
        }

        impl TableBuilder<$rec> for $builder {
            fn with_capacity(cap: usize) -> Self {
                $builder { len: 0, $( $field: <$ty as Cell>::builder(cap), )* }
            }
            fn push(&mut self, r: &$rec) {
                self.len += 1;
                $( Cell::append(&r.$field, &mut self.$field); )*
            }
            fn len(&self) -> usize {
                self.len
            }
            fn finish(&mut self) -> RecordBatch {
                self.len = 0;
                let cols: Vec<ArrayRef> = vec![ $( Arc::new(self.$field.finish()) as ArrayRef, )* ];
                RecordBatch::try_new(<$rec as Table>::schema(), cols).expect("builder matches schema")
            }
        }

        impl Table for $rec {
            const NAME: &'static str = $name;
            type Builder = $builder;
            fn schema() -> SchemaRef {
                static S: std::sync::OnceLock<SchemaRef> = std::sync::OnceLock::new();
                S.get_or_init(|| Arc::new(Schema::new(vec![
                    $( Field::new(stringify!($field), <$ty as Cell>::data_type(), <$ty as Cell>::nullable()), )*
                ]))).clone()
            }
            fn platform(&self) -> &str {
                &self.platform
            }
        }
    };
}

table! {
    /// One published item (docs/lake.md#posts).
    "posts", Post, PostBuilder, {
        platform: String,
        post_id: String,
        /// `owned` or `collected`.
        origin: &'static str,
        account_id: Option<String>,
        /// Lower-cased, no `@`.
        account_handle: Option<String>,
        created_at: Option<Micros>,
        /// `photo, video, link, text, album, event, other`.
        content_type: &'static str,
        text: Option<String>,
        lang: Option<String>,
        hashtags: Vec<String>,
        mentions: Vec<String>,
        urls: Vec<String>,
        is_repost: Option<bool>,
        in_reply_to_account: Option<String>,
        quoted_post_id: Option<String>,
        in_reply_to_post_id: Option<String>,
        /// Extra column: the post a repost repeats.
        reposted_post_id: Option<String>,
        followers: Option<i64>,
        impressions: Option<i64>,
        reach: Option<i64>,
        reactions: Option<i64>,
        comments: Option<i64>,
        shares: Option<i64>,
        quotes: Option<i64>,
        saves: Option<i64>,
        clicks: Option<i64>,
        link_clicks: Option<i64>,
        video_views: Option<i64>,
        /// Extra column: the permalink, where exported.
        permalink: Option<String>,
        campaign: Option<String>,
        source_file: String,
        ingested_at: Option<Micros>,
    }
}

table! {
    /// One supporter action (docs/lake.md#actions), the ladder's input.
    "actions", Action, ActionBuilder, {
        platform: String,
        /// Keyed hash (HMAC-SHA-256, hex) of the platform user id or lower-cased e-mail.
        actor_id: String,
        action: String,
        occurred_at: Option<Micros>,
        post_id: Option<String>,
        campaign: Option<String>,
        source: Option<String>,
        medium: Option<String>,
        /// ISO 3166-1 alpha-2, upper case (`crate::schema::country`): an address's or an
        /// event's country where the export gives one; never finer than a country.
        country: Option<String>,
        /// Extra column: an identity for de-duplication across inputs (null: none). The
        /// same keyed action seen in two inputs counts once, the later input's row wins.
        action_key: Option<String>,
        source_file: String,
        ingested_at: Option<Micros>,
    }
}

table! {
    /// Website sessions per day (or per exported range) and source (docs/lake.md#traffic).
    "traffic", Traffic, TrafficBuilder, {
        /// `web` unless an export says otherwise; the hive partition.
        platform: String,
        date_start: Option<Day>,
        date_end: Option<Day>,
        site: Option<String>,
        source: Option<String>,
        medium: Option<String>,
        referrer: Option<String>,
        channel: &'static str,
        landing_page: Option<String>,
        /// ISO 3166-1 alpha-2 when the export breaks traffic down by country, else null.
        country: Option<String>,
        campaign_tag: Option<String>,
        sessions: Option<i64>,
        users: Option<i64>,
        pageviews: Option<i64>,
        conversions: Option<i64>,
        campaign: Option<String>,
        source_file: String,
        ingested_at: Option<Micros>,
    }
}

table! {
    /// A follower count of an account on a day (docs/lake.md#accounts).
    "accounts", AccountSnap, AccountBuilder, {
        platform: String,
        account_id: String,
        account_handle: Option<String>,
        date: Option<Day>,
        followers: Option<i64>,
    }
}

/// The four tables, by name, in the order the lake lists them.
pub const TABLES: [&str; 4] = [Post::NAME, Action::NAME, Traffic::NAME, AccountSnap::NAME];

/// The part of a post id that an action's reference is matched on: for Facebook the post
/// part of `<page>_<post>` (docs/lake.md#post-ids), for every other platform the id itself.
/// No allocation: called once per action when analyze resolves references.
#[inline]
pub fn join_key<'a>(platform: &str, id: &'a str) -> &'a str {
    if platform == "facebook" {
        if let Some((_, post)) = id.split_once('_') {
            if !post.is_empty() {
                return post;
            }
        }
    }
    id
}

/// Columns whose values identify a row for de-duplication: the row of the most recently
/// ingested input wins (for `accounts`, the largest follower count of the day wins).
/// `None`: rows are never merged.
pub fn dedup_key(table: &str) -> &'static [&'static str] {
    match table {
        "posts" => &["post_id"],
        "actions" => &["action_key"],
        "traffic" => &[
            "site",
            "date_start",
            "date_end",
            "source",
            "medium",
            "referrer",
            "landing_page",
            "country",
            "campaign_tag",
        ],
        "accounts" => &["account_id", "date"],
        _ => &[],
    }
}

pub fn schema_of(table: &str) -> Option<SchemaRef> {
    Some(match table {
        "posts" => Post::schema(),
        "actions" => Action::schema(),
        "traffic" => Traffic::schema(),
        "accounts" => AccountSnap::schema(),
        _ => return None,
    })
}
