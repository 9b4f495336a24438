//! JSON helpers shared by the document-shaped JSON adapters (Facebook and Instagram Graph,
//! Instagram DYI, Flickr): a document kept as text so records can be located by line, and
//! raw views of arrays and objects.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::Value;

use super::util;
use crate::ingest::{Ctx, FileError};

/// An id as text: Graph ids are strings, some old responses give numbers.
pub(crate) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => util::non_empty(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON document kept as text, so that records found inside it can be located by line.
pub(crate) struct JsonDoc<'a> {
    text: &'a str,
    newlines: Vec<usize>,
}

impl<'a> JsonDoc<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        JsonDoc { text, newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect() }
    }

    /// The whole document; invalid JSON is a FileError at its line.
    pub(crate) fn parse(&self, cx: &Ctx) -> Result<&'a RawValue, FileError> {
        serde_json::from_str::<&RawValue>(self.text)
            .map_err(|e| cx.err_at(e.line() as u64, "(json)", format!("invalid JSON: {e}")))
    }

    /// The 1-based line where `raw` (a slice of this document) starts.
    pub(crate) fn line_of(&self, raw: &RawValue) -> u64 {
        let base = self.text.as_ptr() as usize;
        let at = raw.get().as_ptr() as usize;
        if at < base || at > base + self.text.len() {
            return 0;
        }
        (self.newlines.partition_point(|&n| n < at - base) + 1) as u64
    }
}

/// The elements of a JSON array, as slices of the document; None when not an array.
pub(crate) fn raw_array(raw: &RawValue) -> Option<Vec<&RawValue>> {
    if !raw.get().starts_with('[') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// The members of a JSON object, as slices of the document; None when not an object.
pub(crate) fn raw_object(raw: &RawValue) -> Option<BTreeMap<String, &RawValue>> {
    if !raw.get().starts_with('{') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// "an object", "a string", … for error messages.
pub(crate) fn kind_of(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}
