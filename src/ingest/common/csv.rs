//! Streaming, chunked reading of CSV files made of one header row and independent rows
//! (`actions-csv`, `action-network-csv`): memory is bounded by the reader's buffer and the
//! part writer's batch, not by the file, and the driver reads a large file in byte ranges
//! on several threads, as it does JSON Lines.
//!
//! A CSV record may span lines (a quoted cell with a newline), so the ranges cannot start
//! at any newline as JSON Lines ranges do. [`ranges`] scans the file once, tracking quoted
//! cells the way the `csv` crate reads them (a `"` opens a quoted cell only at the start of
//! a cell; inside one, `""` is a quote and a lone `"` closes it; a `"` anywhere else is
//! text), and cuts only at newlines outside quoted cells. The scan looks at quotes only
//! (`memchr`), so it runs at memory speed on files with few quoted cells.
//!
//! UTF-16 files are not split: they are decoded whole.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use csv::{ByteRecord, StringRecord};

use super::encoding::{self, LineFix};
use super::limits::{self, Bounded, RecordMark};
use super::util;
use crate::ingest::{Ctx, FileError, Input, Out, Probe, Reject};

/// A CSV format whose rows are independent once the header is known.
pub trait CsvAdapter: Sync {
    /// The field delimiter.
    fn delimiter(&self) -> u8 {
        b','
    }
    /// Checks the header and returns the reader of the rows, or the error that refuses the
    /// input (a missing column). Warnings about the header are given only when `first` (the
    /// first range of the file), so that a split file warns once.
    fn start<'s>(
        &'s self,
        header: &Columns,
        cx: &'s Ctx<'s>,
        first: bool,
        out: &mut dyn Out,
    ) -> Result<Box<dyn CsvRows + 's>, FileError>;
}

/// Reads the rows of one CSV input.
pub trait CsvRows {
    /// One row, with the 1-based line it starts on (the header is line 1). The row is
    /// already counted; rejects and records go to `out`.
    fn row(&mut self, rec: &StringRecord, line: u64, out: &mut dyn Out);
    /// After the last row of the range: warnings gathered over the rows.
    fn finish(&mut self, _out: &mut dyn Out) {}
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// The CSV reader's buffer: large reads, few system calls.
const BUF: usize = 1 << 20;

/// How the first bytes of a file say it is to be read.
enum Encoding {
    /// UTF-8, with the length of a BOM to skip (0 or 3).
    Utf8(u64),
    /// UTF-16 (with a BOM, or detected): decoded whole.
    Utf16,
}

fn encoding(path: &Path) -> std::io::Result<Encoding> {
    let mut f = std::fs::File::open(path)?;
    let mut head = Vec::with_capacity(512);
    f.by_ref().take(512).read_to_end(&mut head)?;
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") || util::looks_utf16le(&head) {
        return Ok(Encoding::Utf16);
    }
    Ok(Encoding::Utf8(if head.starts_with(BOM) { BOM.len() as u64 } else { 0 }))
}

/// The byte ranges a CSV file of `len` bytes is read in, each about `chunk` bytes long and
/// each starting at the start of a record (the first one at the header, after any BOM).
/// One range when the file is small, UTF-16, or has no newline outside quoted cells.
pub fn ranges(path: &Path, len: u64, chunk: u64, sep: u8) -> std::io::Result<Vec<(u64, u64)>> {
    let bom = match encoding(path)? {
        Encoding::Utf16 => return Ok(vec![(0, len)]),
        Encoding::Utf8(bom) => bom,
    };
    if len <= bom + chunk {
        return Ok(vec![(0, len)]);
    }
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(bom))?;
    let mut cuts = vec![bom];
    let mut scan = QuoteScan::new(sep, bom, chunk.max(1));
    let mut buf = vec![0u8; BUF];
    let mut base = bom;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        scan.feed(&buf[..n], base, &mut cuts);
        base += n as u64;
    }
    cuts.retain(|&c| c < len);
    let mut out: Vec<(u64, u64)> = cuts.windows(2).map(|w| (w[0], w[1])).collect();
    out.push((*cuts.last().expect("the first cut"), len));
    // The first range starts at 0 so that the BOM is seen (and skipped) by the reader.
    out[0].0 = 0;
    Ok(out)
}

/// The quote-tracking state of [`ranges`], carried from one buffer to the next.
struct QuoteScan {
    sep: u8,
    in_quotes: bool,
    /// The buffer ended on a `"` inside a quoted cell: an escaped quote if the next byte is
    /// `"`, else the end of the cell.
    pending_quote: bool,
    /// The byte before the current buffer (a newline at the start of the data).
    prev: u8,
    /// The next cut is the first newline outside quotes at or after `target - 1`.
    target: u64,
    chunk: u64,
}

impl QuoteScan {
    fn new(sep: u8, start: u64, chunk: u64) -> Self {
        QuoteScan { sep, in_quotes: false, pending_quote: false, prev: b'\n', target: start + chunk, chunk }
    }

    /// Scans `buf`, found at file offset `base`, pushing the cuts found to `cuts`.
    fn feed(&mut self, buf: &[u8], base: u64, cuts: &mut Vec<u64>) {
        let n = buf.len();
        let mut i = 0;
        while i < n {
            if self.pending_quote {
                self.pending_quote = false;
                if buf[i] == b'"' {
                    i += 1; // `""`: a quote inside the cell
                } else {
                    self.in_quotes = false;
                }
                continue;
            }
            if self.in_quotes {
                match memchr::memchr(b'"', &buf[i..]) {
                    None => i = n,
                    Some(j) => {
                        let q = i + j;
                        if q + 1 == n {
                            self.pending_quote = true;
                            i = n;
                        } else if buf[q + 1] == b'"' {
                            i = q + 2;
                        } else {
                            self.in_quotes = false;
                            i = q + 1;
                        }
                    }
                }
                continue;
            }
            // Outside quotes: up to the next quote, a newline at or after the target is a cut.
            let q = memchr::memchr(b'"', &buf[i..]).map_or(n, |j| i + j);
            let from = (self.target - 1).saturating_sub(base);
            if from < q as u64 {
                let from = (from as usize).max(i);
                if let Some(j) = memchr::memchr(b'\n', &buf[from..q]) {
                    let cut = base + (from + j) as u64 + 1;
                    cuts.push(cut);
                    self.target = cut + self.chunk;
                    i = from + j + 1;
                    continue;
                }
            }
            if q < n {
                let before = if q > 0 { buf[q - 1] } else { self.prev };
                if before == self.sep || before == b'\n' || before == b'\r' {
                    self.in_quotes = true;
                }
            }
            i = q + 1;
        }
        if let Some(&last) = buf.last() {
            self.prev = last;
        }
    }
}

/// Reads a whole CSV input on the current thread: the `read` of CSV adapters.
pub fn read(ca: &dyn CsvAdapter, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
    let len = std::fs::metadata(&input.path).map_err(|e| FileError::io(&input.display, &e))?.len();
    read_range(ca, input, 0, len, cx, out).map(|_| ())
}

/// Reads the records that start in `[start, end)`, a range from [`ranges`]: the first range
/// starts at 0 and holds the header, any other starts at a record and reads the header
/// from the start of the file. Line numbers are relative to `start` (as in
/// [`super::read_line_range`]); returns the number of lines in the range.
///
/// Rows that are not UTF-8 are read as Windows-1252 when the whole file is, else rejected
/// (see [`super::encoding`]); a record longer than `cx.max_record` refuses the file (see
/// [`super::limits`]).
pub fn read_range(
    ca: &dyn CsvAdapter,
    input: &Input,
    start: u64,
    end: u64,
    cx: &Ctx,
    out: &mut dyn Out,
) -> Result<u64, FileError> {
    let io = |e: std::io::Error| FileError::io(&input.display, &e);
    let sep = ca.delimiter();
    let bom = match encoding(&input.path).map_err(io)? {
        Encoding::Utf16 => {
            // Decoded whole (never split): UTF-16 exports are small spreadsheet saves.
            let text = input.read_csv_text(out)?;
            let r = builder(sep).from_reader(text.as_bytes());
            let rd = Rows { ca, input, cx, fix: LineFix::Text(text.as_bytes()), is_1252: None, mark: None };
            return rd.read(r, None, out);
        }
        Encoding::Utf8(bom) => bom,
    };
    // A reader of the file from `from` (for `len` bytes), bounded to a record of
    // `cx.max_record` bytes, and what reads rows from it.
    let open = |from: u64, len: u64| -> Result<_, FileError> {
        let mut f = input.open()?;
        f.seek(SeekFrom::Start(from)).map_err(io)?;
        let (bounded, mark) = Bounded::new(f.take(len), cx.max_record, BUF as u64);
        let rows = Rows { ca, input, cx, fix: LineFix::file(&input.path, from), is_1252: None, mark: Some(mark) };
        Ok((builder(sep).from_reader(bounded), rows))
    };
    if start == 0 {
        let (r, rd) = open(bom, end.saturating_sub(bom))?;
        return rd.read(r, None, out);
    }
    let (mut hr, mut hd) = open(bom, u64::MAX)?;
    let header = hd.header(&mut hr, out)?;
    let (r, mut rd) = open(start, end - start)?;
    rd.is_1252 = hd.is_1252;
    rd.read(r, Some(header), out)
}

fn builder(sep: u8) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.delimiter(sep).has_headers(false).flexible(true).buffer_capacity(BUF);
    b
}

/// The reading of one range: what is needed to decode rows and name their lines.
struct Rows<'a> {
    ca: &'a dyn CsvAdapter,
    input: &'a Input,
    cx: &'a Ctx<'a>,
    fix: LineFix<'a>,
    /// Whether the file is Windows-1252, once a row that is not UTF-8 asked.
    is_1252: Option<bool>,
    /// The start of the current record, for the bound on its length.
    mark: Option<RecordMark>,
}

/// A record that is not UTF-8: the first such field and its first bad byte.
struct NotUtf8 {
    field: usize,
    byte: u8,
}

impl Rows<'_> {
    /// Reads the next record as bytes; `Ok(None)` at the end. A record too long refuses the
    /// file; any other CSV error is returned with the line of the record.
    fn next<R: Read>(
        &mut self,
        r: &mut csv::Reader<R>,
        rec: &mut ByteRecord,
    ) -> Result<Result<bool, (u64, csv::Error)>, FileError> {
        let at = r.position().clone();
        if let Some(m) = &self.mark {
            m.set(at.byte());
        }
        match r.read_byte_record(rec) {
            Ok(got) => Ok(Ok(got)),
            Err(e) if limits::is_too_long(&e) => Err(self.cx.err_at(
                self.fix.line(&at),
                "(record)",
                format!(
                    "a CSV record longer than the --max-record-mib limit of {} (is a quote left open?); \
                     the file was not read, since where the next record starts is unknown",
                    limits::mib(self.cx.max_record)
                ),
            )),
            Err(e) => Ok(Err((self.fix.line(e.position().unwrap_or(&at)), e))),
        }
    }

    /// The record as text: UTF-8, or Windows-1252 when the whole file is (warned once).
    fn decode(&mut self, rec: ByteRecord, out: &mut dyn Out) -> Result<StringRecord, (NotUtf8, ByteRecord)> {
        let e = match StringRecord::from_byte_record(rec) {
            Ok(s) => return Ok(s),
            Err(e) => e,
        };
        let rec = e.into_byte_record();
        let is_1252 = *self.is_1252.get_or_insert_with(|| match encoding::file_is_windows_1252(&self.input.path) {
            Ok((yes, first)) => {
                if yes && first {
                    out.warn(encoding::read_as_1252_warning(&self.input.display));
                }
                yes
            }
            Err(_) => false,
        });
        if is_1252 {
            let mut s = StringRecord::from_iter(rec.iter().map(encoding::decode_1252));
            s.set_position(rec.position().cloned());
            return Ok(s);
        }
        let (field, byte) = rec
            .iter()
            .enumerate()
            .find_map(|(i, f)| std::str::from_utf8(f).err().map(|e| (i, f[e.valid_up_to()])))
            .unwrap_or((0, 0));
        Err((NotUtf8 { field, byte }, rec))
    }

    /// Reads the header (line 1).
    fn header<R: Read>(&mut self, r: &mut csv::Reader<R>, out: &mut dyn Out) -> Result<StringRecord, FileError> {
        let mut rec = ByteRecord::new();
        match self.next(r, &mut rec)? {
            Ok(true) => {}
            Ok(false) => return Ok(StringRecord::new()),
            Err((_, e)) => return Err(header_error(self.cx, &e)),
        }
        self.decode(rec, out).map_err(|(bad, _)| {
            self.cx.err_at(
                1,
                "(header)",
                format!(
                    "column {} of the header holds a byte that is not UTF-8 (0x{:02X}) and the file is \
                     not Windows-1252 text either; save the file as UTF-8",
                    bad.field + 1,
                    bad.byte
                ),
            )
        })
    }

    /// The record loop. `header` is given for a range after the first.
    fn read<R: Read>(
        mut self,
        mut r: csv::Reader<R>,
        header: Option<StringRecord>,
        out: &mut dyn Out,
    ) -> Result<u64, FileError> {
        let first = header.is_none();
        let header = match header {
            Some(h) => h,
            None => self.header(&mut r, out)?,
        };
        let (ca, cx) = (self.ca, self.cx);
        let mut rows = ca.start(&Columns::new(&header), cx, first, out)?;
        let mut rec = ByteRecord::new();
        loop {
            match self.next(&mut r, &mut rec)? {
                Ok(false) => break,
                Ok(true) => {}
                Err((line, e)) => {
                    out.rows(1);
                    out.reject(unreadable_row(line, &e));
                    continue;
                }
            }
            out.rows(1);
            match self.decode(std::mem::take(&mut rec), out) {
                Ok(srec) => {
                    let reported = line_of(&srec, 0);
                    let mut fixed = FixedLines { out, reported, pos: srec.position(), fix: &mut self.fix };
                    rows.row(&srec, reported, &mut fixed);
                    rec = srec.into_byte_record();
                }
                Err((bad, brec)) => {
                    let line = brec.position().map_or(0, |p| self.fix.line(p));
                    let name = header.get(bad.field).map(|h| h.trim().to_string()).unwrap_or_default();
                    out.reject(Reject {
                        line,
                        field: if name.is_empty() { format!("(column {})", bad.field + 1) } else { name },
                        error: format!(
                            "a byte that is not UTF-8 (0x{:02X}), in a file that otherwise holds UTF-8 text; \
                             the row was not read",
                            bad.byte
                        ),
                        raw: None,
                    });
                    rec = brec;
                }
            }
        }
        rows.finish(out);
        Ok(r.position().line() - 1)
    }
}

/// The [`Out`] a row is read into: rejects of the row get its true line (see
/// [`encoding`]), found only when there is one.
struct FixedLines<'o, 'f, 'p, 't> {
    out: &'o mut dyn Out,
    reported: u64,
    pos: Option<&'p csv::Position>,
    fix: &'f mut LineFix<'t>,
}

impl Out for FixedLines<'_, '_, '_, '_> {
    fn post(&mut self, p: crate::model::Post) {
        self.out.post(p)
    }
    fn action(&mut self, a: crate::model::Action) {
        self.out.action(a)
    }
    fn account(&mut self, a: crate::model::AccountSnap) {
        self.out.account(a)
    }
    fn traffic(&mut self, t: crate::model::Traffic) {
        self.out.traffic(t)
    }
    fn rows(&mut self, n: u64) {
        self.out.rows(n)
    }
    fn reject(&mut self, mut r: Reject) {
        if let (true, Some(pos)) = (r.line == self.reported, self.pos) {
            r.line = self.fix.line(pos);
        }
        self.out.reject(r)
    }
    fn warn(&mut self, msg: String) {
        self.out.warn(msg)
    }
    fn warning(&mut self, w: crate::schema::Warning) {
        self.out.warning(w)
    }
}

fn header_error(cx: &Ctx, e: &csv::Error) -> FileError {
    cx.err_at(1, "(header)", format!("cannot read the CSV header: {e}"))
}

/// The reject of a row the CSV reader could not split (an unbalanced quote, a bad UTF-8
/// byte): no field to name, nothing to show.
pub(crate) fn unreadable_row(line: u64, e: &csv::Error) -> Reject {
    Reject { line, field: "(csv)".into(), error: format!("unreadable CSV row: {e}"), raw: None }
}

// ---------------------------------------------------------------- the header and cells

/// The header of a CSV file, for lookups by name.
pub struct Columns {
    pub names: Vec<String>,
}

impl Columns {
    pub fn new(rec: &StringRecord) -> Self {
        Columns { names: rec.iter().map(|s| s.trim().to_string()).collect() }
    }
    /// The index of the first column whose name is one of `any` (case-insensitive).
    pub fn find(&self, any: &[&str]) -> Option<usize> {
        any.iter().find_map(|want| self.names.iter().position(|n| n.eq_ignore_ascii_case(want)))
    }
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.names.iter().any(|n| n.to_ascii_lowercase().starts_with(prefix))
    }
    /// "the file's columns are: …" for an error message about a supporter export: only
    /// names rallylens knows, or `extra` (a mapping's columns), are shown, and a header
    /// that holds a supporter's row is said so and not shown (`crate::privacy`).
    pub fn supporter(&self, extra: &[&str]) -> String {
        crate::privacy::supporter_header(&self.names, extra)
    }
    /// "the file's columns are: …" for a CSV that is not a supporter export.
    pub fn plain(&self) -> String {
        crate::privacy::plain_header(&self.names)
    }
}

/// A trimmed cell; `""` when the column is absent or the row is short.
pub(crate) fn cell(rec: &StringRecord, i: Option<usize>) -> &str {
    i.and_then(|i| rec.get(i)).map(str::trim).unwrap_or("")
}

/// The header fields of a probe's first line (for detection).
pub(crate) fn probe_header(probe: &Probe, sep: u8) -> Columns {
    let line = probe.first_line();
    let mut r = csv::ReaderBuilder::new().has_headers(false).delimiter(sep).from_reader(line.as_bytes());
    let rec = r.records().next().and_then(Result::ok).unwrap_or_default();
    Columns::new(&rec)
}

/// A CSV reader over decoded text: the first record is the header, short rows are allowed.
pub(crate) fn reader(text: &str, sep: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().delimiter(sep).flexible(true).from_reader(text.as_bytes())
}

/// The header of a CSV file, or a FileError saying why there is none.
pub(crate) fn header(r: &mut csv::Reader<&[u8]>, cx: &Ctx) -> Result<Columns, FileError> {
    let h = r.headers().map_err(|e| cx.err_at(1, "(header)", format!("cannot read the CSV header: {e}")))?;
    Ok(Columns::new(h))
}

/// The 1-based line where a record starts (the header is line 1).
pub(crate) fn line_of(rec: &StringRecord, fallback: u64) -> u64 {
    rec.position().map(|p| p.line()).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cuts of `data` with chunks of `chunk` bytes, through a file.
    fn cuts(data: &[u8], chunk: u64) -> Vec<(u64, u64)> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.csv");
        std::fs::write(&p, data).unwrap();
        ranges(&p, data.len() as u64, chunk, b',').unwrap()
    }

    #[test]
    fn cuts_only_outside_quoted_cells() {
        // Offsets: "h\n" 0-1, "\"a\nb\"\n" 2-7 (the newline at 4 is quoted), "c\n" 8-9.
        let data = b"h\n\"a\nb\"\nc\n";
        // Chunk 1: targets 1, then cut+1. Newline at 1 -> cut 2; the next newline outside
        // quotes at or after 2 is 7 -> cut 8; then 9 -> cut 10 = the end, dropped.
        assert_eq!(cuts(data, 1), vec![(0, 2), (2, 8), (8, 10)]);
    }

    #[test]
    fn a_quote_inside_an_unquoted_cell_is_text() {
        // `b"c` does not open a quoted cell, so the newline at 5 is a record end.
        // Offsets: "h\n" 0-1, "b\"c\n" 2-5, "d\n" 6-7.
        let data = b"h\nb\"c\nd\n";
        assert_eq!(cuts(data, 3), vec![(0, 6), (6, 8)]);
    }

    #[test]
    fn escaped_quotes_and_buffer_edges() {
        // A quoted cell with `""` inside and a newline after it: the scan must not take the
        // escaped quote for the end of the cell. "h\n" 0-1, "\"x\"\"\ny\"\n" 2-9 (the newline
        // at 6 is quoted), "z\n" 10-11. Cuts after the newlines at 1 and 9 (11 is the end).
        let data = b"h\n\"x\"\"\ny\"\nz\n";
        assert_eq!(cuts(data, 2), vec![(0, 2), (2, 10), (10, 12)]);
        // The same bytes fed one at a time (every buffer edge) give the same cuts.
        let mut scan = QuoteScan::new(b',', 0, 2);
        let mut got = vec![0];
        for (i, b) in data.iter().enumerate() {
            scan.feed(std::slice::from_ref(b), i as u64, &mut got);
        }
        assert_eq!(got, vec![0, 2, 10, 12]);
    }

    #[test]
    fn utf16_is_never_split() {
        let mut data = vec![0xFF, 0xFE];
        for c in "h\na\nb\n".encode_utf16() {
            data.extend_from_slice(&c.to_le_bytes());
        }
        assert_eq!(cuts(&data, 1), vec![(0, data.len() as u64)]);
    }
}
