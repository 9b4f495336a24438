//! The record contract between a reader and a writer: adapters hand records to an [`Out`];
//! the lake's part writer, the ingest rules in front of it and the tests' collector are
//! `Out`s. Rows that could not be read travel as [`Reject`]s.

use super::model::{AccountSnap, Action, Post, Traffic};

/// A row that could not be read (written to the lake's `_rejects/`).
#[derive(Clone, Debug, PartialEq)]
pub struct Reject {
    /// 1-based line (JSONL, JSON) or row (CSV, counting the header lines) of the input.
    pub line: u64,
    pub field: String,
    pub error: String,
    /// The raw row, for social posts only; `None` for supporter exports.
    pub raw: Option<String>,
}

/// Where adapters put what they read.
pub trait Out {
    fn post(&mut self, p: Post);
    fn action(&mut self, a: Action);
    fn account(&mut self, a: AccountSnap);
    fn traffic(&mut self, t: Traffic);
    /// Counts input records (lines, rows, objects) read, good or bad: the denominator of
    /// the reject rate. Line adapters are counted by the driver.
    fn rows(&mut self, n: u64);
    fn reject(&mut self, r: Reject);
    fn warn(&mut self, msg: String);
}

impl<O: Out + ?Sized> Out for &mut O {
    fn post(&mut self, p: Post) {
        (**self).post(p)
    }
    fn action(&mut self, a: Action) {
        (**self).action(a)
    }
    fn account(&mut self, a: AccountSnap) {
        (**self).account(a)
    }
    fn traffic(&mut self, t: Traffic) {
        (**self).traffic(t)
    }
    fn rows(&mut self, n: u64) {
        (**self).rows(n)
    }
    fn reject(&mut self, r: Reject) {
        (**self).reject(r)
    }
    fn warn(&mut self, msg: String) {
        (**self).warn(msg)
    }
}
