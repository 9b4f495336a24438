//! The record contract between a reader and a writer: adapters hand records to an [`Out`];
//! the lake's part writer, the ingest rules in front of it and the tests' collector are
//! `Out`s. Rows that could not be read travel as [`Reject`]s, notes on an input that was
//! read as [`Warning`]s.
//!
//! A warning keeps its line as a number, so that the driver can move a chunk's lines to file
//! lines, and may name a [`Repeat`] kind: warnings that would otherwise repeat for every line
//! of an input are cut by [`Repeats`], one per input (or per chunk, then again per input:
//! limiting is the same whether done once or twice, see [`limit_repeats`]).

use std::collections::BTreeMap;
use std::fmt;

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

/// A note on an input that did not stop it being read.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    /// The input as shown (`Ctx::source_file`); empty for a warning given as text only.
    pub file: String,
    /// 1-based line (or CSV row) of the input, relative to the chunk until the driver moves it.
    pub line: Option<u64>,
    pub msg: String,
    /// Set on warnings that must not repeat for every line of an input.
    pub once: Option<&'static Repeat>,
}

/// How often a kind of warning is given per input: the first `keep`, then (if `more` is
/// set) one "{file}: {more}" note in place of the next, then nothing.
#[derive(Debug, PartialEq)]
pub struct Repeat {
    pub kind: &'static str,
    pub keep: u32,
    pub more: Option<&'static str>,
}

impl Warning {
    /// "{file}, line {line}: {msg}".
    pub fn at(file: &str, line: u64, msg: impl Into<String>) -> Self {
        Warning { file: file.to_string(), line: Some(line), msg: msg.into(), once: None }
    }
    /// "{file}: {msg}".
    pub fn file(file: &str, msg: impl Into<String>) -> Self {
        Warning { file: file.to_string(), line: None, msg: msg.into(), once: None }
    }
    /// A warning given as finished text ([`Out::warn`]): shown as it is.
    pub fn text(msg: String) -> Self {
        Warning { file: String::new(), line: None, msg, once: None }
    }
    pub fn once(self, r: &'static Repeat) -> Self {
        Warning { once: Some(r), ..self }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file.is_empty(), self.line) {
            (_, Some(l)) => write!(f, "{}, line {l}: {}", self.file, self.msg),
            (false, None) => write!(f, "{}: {}", self.file, self.msg),
            (true, None) => f.write_str(&self.msg),
        }
    }
}

/// The repeat limiter of one input (or one chunk): counts each [`Repeat`] kind given so far.
#[derive(Default, Debug)]
pub struct Repeats {
    seen: BTreeMap<&'static str, u32>,
}

impl Repeats {
    /// `w` if it is to be kept: as it is, or the "more" note that replaces it; `None` when
    /// it is dropped.
    pub fn admit(&mut self, w: Warning) -> Option<Warning> {
        let Some(r) = w.once else { return Some(w) };
        let n = self.seen.entry(r.kind).or_insert(0);
        let before = *n;
        *n = n.saturating_add(1);
        if before < r.keep {
            return Some(w);
        }
        match r.more {
            Some(more) if before == r.keep => Some(Warning::file(&w.file, more).once(r)),
            _ => None,
        }
    }
}

/// The warnings of one input in order, repeats limited (see [`Repeat`]). The "more" note
/// carries its kind, so that limiting a limited list changes nothing: chunks limited on their
/// own and then together give what limiting the whole input gives.
pub fn limit_repeats(ws: Vec<Warning>) -> Vec<Warning> {
    let mut r = Repeats::default();
    ws.into_iter().filter_map(|w| r.admit(w)).collect()
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
    /// A warning given as finished text, without a line a chunk's reader would have to move.
    fn warn(&mut self, msg: String);
    /// A warning with its parts kept: one that names a line, or that must not repeat.
    fn warning(&mut self, w: Warning) {
        self.warn(w.to_string())
    }
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
    fn warning(&mut self, w: Warning) {
        (**self).warning(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static ERRS: Repeat = Repeat { kind: "errs", keep: 3, more: Some("more not listed") };
    static ONCE: Repeat = Repeat { kind: "once", keep: 1, more: None };

    fn err(line: u64) -> Warning {
        Warning::at("f.jsonl", line, "an error").once(&ERRS)
    }

    #[test]
    fn display_keeps_the_three_shapes() {
        assert_eq!(Warning::at("a.csv", 7, "x").to_string(), "a.csv, line 7: x");
        assert_eq!(Warning::file("a.csv", "x").to_string(), "a.csv: x");
        assert_eq!(Warning::text("a.csv: as given".into()).to_string(), "a.csv: as given");
    }

    #[test]
    fn repeats_keep_the_first_then_one_note_then_nothing() {
        // 5 errors (keep 3, the 4th becomes the note, the 5th is dropped), 2 "once" warnings
        // (the 2nd is dropped) and 2 plain ones (kept), in the order given.
        let plain = Warning::file("f.jsonl", "plain");
        let ws = vec![
            err(1),
            plain.clone(),
            Warning::file("f.jsonl", "c").once(&ONCE),
            err(2),
            err(3),
            Warning::file("f.jsonl", "c").once(&ONCE),
            err(4),
            plain.clone(),
            err(5),
        ];
        let got: Vec<String> = limit_repeats(ws).iter().map(Warning::to_string).collect();
        assert_eq!(
            got,
            [
                "f.jsonl, line 1: an error",
                "f.jsonl: plain",
                "f.jsonl: c",
                "f.jsonl, line 2: an error",
                "f.jsonl, line 3: an error",
                "f.jsonl: more not listed",
                "f.jsonl: plain",
            ]
        );
    }

    #[test]
    fn limiting_chunks_then_the_input_is_limiting_the_input() {
        // Every split of 0..=8 errors into two chunks: each chunk limited on its own (as the
        // part writer does), then the two together (as the driver does), equals the whole.
        for n in 0..=8u64 {
            let all: Vec<Warning> = (1..=n).map(err).collect();
            for cut in 0..=n as usize {
                let mut two = limit_repeats(all[..cut].to_vec());
                two.extend(limit_repeats(all[cut..].to_vec()));
                assert_eq!(limit_repeats(two), limit_repeats(all.clone()), "n {n} cut {cut}");
            }
        }
    }
}
