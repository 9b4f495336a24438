//! Text that is not UTF-8, and line ends, in CSV exports (Excel's Windows-1252 "CSV", a
//! UTF-8 file with a stray byte).
//!
//! Readings to keep:
//! - Per file: not UTF-8, no multi-byte UTF-8 and no undefined 1252 byte → read as Windows-1252, with a warning.
//! - Per row (streamed `actions-csv`, `action-network-csv`, `twitter-csv`): a non-UTF-8 row is a reject.
//! - CSVs decoded whole (analytics reports, `custom-csv`) that mix encodings are refused, naming the first line.
//! - Whole-decoded text has `\r\n` and lone `\r` made `\n` (quoted cells too), so `csv` line numbers are right.
//! - Streamed CSV: [`LineFix`] finds a record's true line from the bytes, only when a reject needs it.
//!
//! User docs: docs/lake.md#rejects.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::ingest::Out;

/// Bytes Windows-1252 leaves undefined: a file holding one is not Windows-1252 text.
const UNDEFINED_1252: [u8; 5] = [0x81, 0x8D, 0x8F, 0x90, 0x9D];

/// What a scan of bytes found (see [`scan`]).
#[derive(Default, Debug)]
struct Scan {
    /// A valid UTF-8 multi-byte character was seen.
    utf8_multibyte: bool,
    /// A byte that is not UTF-8 was seen.
    invalid: bool,
    /// A byte Windows-1252 leaves undefined was seen among the invalid ones.
    undefined: bool,
}

impl Scan {
    fn windows_1252(&self) -> bool {
        self.invalid && !self.utf8_multibyte && !self.undefined
    }

    /// Scans `bytes`; returns how many bytes at the end are an incomplete UTF-8 sequence
    /// (to be scanned again with the bytes that follow).
    fn feed(&mut self, mut bytes: &[u8]) -> usize {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(s) => {
                    self.utf8_multibyte |= !s.is_ascii();
                    return 0;
                }
                Err(e) => {
                    let (valid, rest) = bytes.split_at(e.valid_up_to());
                    self.utf8_multibyte |= !valid.is_ascii();
                    match e.error_len() {
                        Some(n) => {
                            self.invalid = true;
                            self.undefined |= rest[..n].iter().any(|b| UNDEFINED_1252.contains(b));
                            bytes = &rest[n..];
                        }
                        None => return rest.len(),
                    }
                }
            }
        }
    }

    /// The end of the input: an incomplete sequence left over is invalid.
    fn end(&mut self, tail: &[u8]) {
        if !tail.is_empty() {
            self.invalid = true;
            self.undefined |= tail.iter().any(|b| UNDEFINED_1252.contains(b));
        }
    }
}

/// True when `bytes` (not UTF-8) are Windows-1252 text by the rule of the module doc.
pub fn is_windows_1252(bytes: &[u8]) -> bool {
    let mut s = Scan::default();
    let tail = s.feed(bytes);
    s.end(&bytes[bytes.len() - tail..]);
    s.windows_1252()
}

/// [`is_windows_1252`] for a whole file, read in 1 MiB blocks (a UTF-8 file is told at its
/// first multi-byte character). Answers are remembered for the file's path, size and
/// modification time, so that the ranges of one file read on several threads scan it once
/// and agree; `first` is true for the one call that scanned it (it gives the warning).
pub fn file_is_windows_1252(path: &Path) -> std::io::Result<(bool, bool)> {
    type Key = (PathBuf, u64, Option<std::time::SystemTime>);
    static SEEN: Mutex<Option<HashMap<Key, bool>>> = Mutex::new(None);
    let meta = std::fs::metadata(path)?;
    let key: Key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    // Held while scanning: another range of the same file waits for the answer.
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    let map = seen.get_or_insert_with(HashMap::new);
    if let Some(&known) = map.get(&key) {
        return Ok((known, false));
    }
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; (1 << 20) + 4];
    let mut s = Scan::default();
    let mut carry = 0;
    loop {
        let n = f.read(&mut buf[carry..])?;
        if n == 0 {
            break;
        }
        let len = carry + n;
        let tail = s.feed(&buf[..len]);
        if s.utf8_multibyte {
            break;
        }
        buf.copy_within(len - tail..len, 0);
        carry = tail;
    }
    if !s.utf8_multibyte {
        s.end(&buf[..carry]);
    }
    let answer = s.windows_1252();
    map.insert(key, answer);
    Ok((answer, true))
}

/// Decodes Windows-1252 bytes.
pub fn decode_1252(bytes: &[u8]) -> String {
    encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()
}

/// The warning given once for a file read as Windows-1252.
pub fn read_as_1252_warning(name: &str) -> String {
    format!(
        "{name}: not UTF-8 text; read as Windows-1252 (every byte that is not ASCII is a Windows-1252 \
         character and none forms a UTF-8 one): check accented letters, or save the file as UTF-8"
    )
}

/// Why text could not be decoded.
#[derive(Debug)]
pub struct NotText {
    pub line: Option<u64>,
    pub msg: String,
}

/// The text of a whole CSV file: UTF-8 or UTF-16 (see [`super::util::decode_text`]), else
/// Windows-1252 (warned about, naming `name`); line ends made `\n`. A file that mixes UTF-8
/// with other bytes is refused, naming its first such line.
pub fn csv_text(bytes: &[u8], name: &str, out: &mut dyn Out) -> Result<String, NotText> {
    let text = match super::util::decode_text(bytes) {
        Ok(t) => t,
        Err(msg) => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            if std::str::from_utf8(body).is_ok() {
                return Err(NotText { line: None, msg }); // bad UTF-16
            }
            if !is_windows_1252(body) {
                return Err(mixed(body));
            }
            out.warn(read_as_1252_warning(name));
            decode_1252(body)
        }
    };
    Ok(unix_line_ends(text))
}

/// The refusal of text that is neither UTF-8 nor Windows-1252 as a whole.
fn mixed(bytes: &[u8]) -> NotText {
    let mut lines = Vec::new();
    let mut first_byte = 0;
    let (mut at, mut line) = (0, 1);
    for chunk in bytes.utf8_chunks() {
        let bad = at + chunk.valid().len();
        line += memchr::memchr_iter(b'\n', &bytes[at..bad]).count() as u64;
        at = bad + chunk.invalid().len();
        if chunk.invalid().is_empty() {
            continue;
        }
        if lines.is_empty() {
            first_byte = chunk.invalid()[0];
        }
        if lines.last() != Some(&line) {
            lines.push(line);
        }
    }
    let more = if lines.len() > 1 { format!(" ({} lines hold such bytes)", lines.len()) } else { String::new() };
    NotText {
        line: lines.first().copied(),
        msg: format!(
            "a byte that is not UTF-8 (0x{first_byte:02X}) in a file that otherwise holds UTF-8 text{more}; \
             the file was not read: save it as UTF-8"
        ),
    }
}

/// `\r\n` and a lone `\r` made `\n`.
pub fn unix_line_ends(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Finds the true line of a record of a streamed CSV reader (see the module doc): the line
/// the `csv` crate gives plus the newlines in the run of line ends at its position. Reads
/// the file through a window of its own, so asking for increasing positions costs a read
/// per 64 KiB at most.
pub enum LineFix<'t> {
    /// A reader of this file, started at this offset; the window and where it starts.
    File { file: Option<std::fs::File>, offset: u64, win: Vec<u8>, win_at: u64 },
    /// A reader of this text.
    Text(&'t [u8]),
}

impl<'t> LineFix<'t> {
    /// For a reader of `path` that starts at byte `offset`.
    pub fn file(path: &Path, offset: u64) -> Self {
        LineFix::File { file: std::fs::File::open(path).ok(), offset, win: Vec::new(), win_at: 0 }
    }

    /// The line of the record at `pos`.
    pub fn line(&mut self, pos: &csv::Position) -> u64 {
        let (file, offset, win, win_at) = match self {
            LineFix::Text(text) => return Self::in_text(text, pos),
            LineFix::File { file: None, .. } => return pos.line(),
            LineFix::File { file: Some(f), offset, win, win_at } => (f, *offset, win, win_at),
        };
        let mut at = offset + pos.byte();
        let mut extra = 0;
        loop {
            if at < *win_at || at >= *win_at + win.len() as u64 {
                win.resize(64 << 10, 0);
                let n = match file.seek(SeekFrom::Start(at)).and_then(|_| file.read(win)) {
                    Ok(n) => n,
                    Err(_) => 0,
                };
                win.truncate(n);
                *win_at = at;
                if n == 0 {
                    break;
                }
            }
            let from = (at - *win_at) as usize;
            let run = win[from..].iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            extra += win[from..from + run].iter().filter(|&&b| b == b'\n').count() as u64;
            at += run as u64;
            if from + run < win.len() {
                break;
            }
        }
        pos.line() + extra
    }

    /// The line of the record at `pos` of a reader of `text`.
    pub fn in_text(text: &[u8], pos: &csv::Position) -> u64 {
        let from = (pos.byte() as usize).min(text.len());
        let run = text[from..].iter().take_while(|b| matches!(b, b'\r' | b'\n'));
        pos.line() + run.filter(|&&b| b == b'\n').count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_or_not() {
        // "José" in Windows-1252 (é = 0xE9) in ASCII text: Windows-1252.
        assert!(is_windows_1252(b"a,b\nJos\xe9,1\n"));
        // The same with a UTF-8 "é" (0xC3 0xA9) elsewhere: mixed, not Windows-1252.
        assert!(!is_windows_1252(b"a,b\nJos\xc3\xa9,1\nJos\xe9,2\n"));
        // 0x81 is undefined in Windows-1252.
        assert!(!is_windows_1252(b"a\x81b"));
    }

    #[test]
    fn whole_text_decoding() {
        let pseudo = crate::pseudo::Pseudonymizer::from_key(b"0123456789abcdef");
        let cx = crate::ingest::Ctx::new("x.csv", &pseudo);
        let mut out = crate::ingest::CollectOut::new(&cx);
        // Windows-1252: decoded, CRLF made LF, one warning naming the file.
        assert_eq!(csv_text(b"a,b\r\nJos\xe9,1\r\n", "x.csv", &mut out).unwrap(), "a,b\nJosé,1\n");
        assert_eq!(out.got.warnings.len(), 1);
        assert!(out.got.warnings[0].starts_with("x.csv: not UTF-8 text; read as Windows-1252"));
        // Mixed: refused, naming line 3 (the first bad one) and that 2 lines are bad.
        let e = csv_text(b"a,b\nJos\xc3\xa9,1\nJos\xe9,2\nx\xe9,3\n", "x.csv", &mut out).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.msg.contains("0xE9") && e.msg.contains("(2 lines hold such bytes)"), "{}", e.msg);
    }

    #[test]
    fn scans_across_block_edges() {
        // A UTF-8 "é" cut between two feeds is carried over, not taken for invalid bytes.
        let mut s = Scan::default();
        let tail = s.feed(b"ab\xc3");
        assert_eq!(tail, 1);
        s.feed(b"\xc3\xa9c");
        assert!(s.utf8_multibyte && !s.invalid);
    }

    #[test]
    fn true_lines_of_records() {
        // "h\r\nx\r\n\r\ny\n": the csv crate puts y at the position just after x's '\r'
        // (byte 5, line 2); the run "\n\r\n" there holds 2 newlines: y is on line 4.
        let text = b"h\r\nx\r\n\r\ny\n";
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(&text[..]);
        let recs: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
        let pos = recs[2].position().unwrap();
        assert_eq!((pos.byte(), pos.line()), (5, 2));
        assert_eq!(LineFix::in_text(text, pos), 4);
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.csv");
        std::fs::write(&p, text).unwrap();
        assert_eq!(LineFix::file(&p, 0).line(pos), 4);
        // x (line 2) is at byte 2, a '\n' after the header's '\r': 1 + 1.
        assert_eq!(LineFix::file(&p, 0).line(recs[1].position().unwrap()), 2);
    }
}
