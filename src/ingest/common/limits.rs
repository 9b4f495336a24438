//! Bounds on what one input may make the process hold in memory.
//!
//! - **A record** (a JSON line, a CSV record) is at most `--max-record-mib` (default
//!   [`MAX_RECORD_DEFAULT`], 64 MiB). A longer JSON line is rejected like any bad line (its
//!   line named, the limit and the flag in the error) and the lines after it are read; a
//!   longer CSV record refuses the file, since where the next record starts is then unknown
//!   (the usual cause is a quote left open, which makes the rest of the file one cell).
//! - **A zip member** is read streaming and never trusted for its declared size: it may
//!   decompress to at most [`MAX_MEMBER`] (1 GiB), and, past the first
//!   [`RATIO_FLOOR`] (16 MiB), to at most [`MAX_RATIO`] (100) times the compressed bytes it
//!   was read from. (Real exports compress 2 to 25 times; a zip bomb of zeros, 1,000 times.)
//!   A member beyond either limit refuses the input, naming the member and the limit.
//!
//! The compressed size used for the ratio is the one the zip reader limits its own reads
//! to (the central directory's), so a lying header cannot raise the allowance: at most that
//! many compressed bytes are ever fed to the decompressor.

use std::cell::Cell;
use std::io::{BufRead, Read, Seek};
use std::rc::Rc;

use crate::ingest::FileError;

/// The default of `--max-record-mib`, in bytes.
pub const MAX_RECORD_DEFAULT: u64 = 64 << 20;
/// The most a zip member may decompress to, in bytes.
pub const MAX_MEMBER: u64 = 1 << 30;
/// The largest decompression ratio allowed once a member is past [`RATIO_FLOOR`].
pub const MAX_RATIO: u64 = 100;
/// Below this many decompressed bytes the ratio is not checked (small, very regular files
/// compress well beyond 100:1 and are harmless).
pub const RATIO_FLOOR: u64 = 16 << 20;

/// `n` bytes in MiB for messages ("64 MiB", "0.5 MiB").
pub fn mib(n: u64) -> String {
    if n % (1 << 20) == 0 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{:.1} MiB", n as f64 / (1u64 << 20) as f64)
    }
}

/// Reads the zip member `name` of the input labelled `label`, within the limits above.
pub fn read_zip_member<R: Read + Seek>(
    z: &mut zip::ZipArchive<R>,
    name: &str,
    label: &str,
) -> Result<Vec<u8>, FileError> {
    let mut f = z.by_name(name).map_err(|e| FileError::new(label, format!("{name}: cannot read from the zip: {e}")))?;
    let compressed = f.compressed_size();
    read_member(&mut f, compressed, name, label, MAX_MEMBER)
}

/// The bounded read of [`read_zip_member`], apart for tests (`max` is [`MAX_MEMBER`]).
fn read_member(r: &mut dyn Read, compressed: u64, name: &str, label: &str, max: u64) -> Result<Vec<u8>, FileError> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(FileError::new(label, format!("{name}: cannot read from the zip: {e}"))),
        };
        out.extend_from_slice(&buf[..n]);
        let total = out.len() as u64;
        if total > max {
            return Err(FileError::new(
                label,
                format!(
                    "{name}: the zip member decompresses to more than {}, the most one member may hold; \
                     the input was not read (unzip it and ingest the files if they are genuine)",
                    mib(max)
                ),
            ));
        }
        if total > RATIO_FLOOR && total > MAX_RATIO.saturating_mul(compressed) {
            return Err(FileError::new(
                label,
                format!(
                    "{name}: the zip member decompresses to more than {MAX_RATIO} times its compressed size \
                     ({} from {} bytes so far), the most allowed (a zip bomb?); the input was not read",
                    mib(total),
                    compressed
                ),
            ));
        }
    }
}

/// One line read by [`next_line`].
pub struct Line {
    /// Bytes consumed, the newline included (0 at the end of the input).
    pub consumed: u64,
    /// The line was longer than the limit: `buf` is empty, the line was skipped.
    pub too_long: bool,
}

/// Reads the next line (up to and including `\n`) into `buf` (cleared first), holding at
/// most `max` bytes of it (plus its line end): a longer line is consumed without being
/// kept, and reported with `too_long`.
pub fn next_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>, max: u64) -> std::io::Result<Line> {
    buf.clear();
    let mut consumed = 0u64;
    let mut too_long = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(Line { consumed, too_long });
        }
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if !too_long {
            // The limit is on the record, without its line end (`\r\n` at most).
            if (buf.len() + take) as u64 > max.saturating_add(2) {
                too_long = true;
                buf.clear();
                buf.shrink_to(1 << 16);
            } else {
                buf.extend_from_slice(&avail[..take]);
            }
        }
        r.consume(take);
        consumed += take as u64;
        if done {
            return Ok(Line { consumed, too_long });
        }
    }
}

/// Skips to just after the next `\n` (or the end), keeping nothing; returns the bytes skipped.
pub fn skip_line<R: BufRead>(r: &mut R) -> std::io::Result<u64> {
    // With a limit of 0 nothing but a bare line end is ever kept.
    next_line(r, &mut Vec::new(), 0).map(|l| l.consumed)
}

/// The error of a JSON line longer than the limit.
pub fn long_line_error(bytes: u64, max: u64) -> String {
    format!("the record is {}, longer than the --max-record-mib limit of {}; skipped", mib(bytes), mib(max))
}

/// A reader that fails once more than `max` bytes (plus the reader's buffer) were read
/// past the mark set through [`RecordMark`]: bounds what a CSV reader buffers for one record.
pub struct Bounded<R> {
    inner: R,
    read: u64,
    mark: Rc<Cell<u64>>,
    max: u64,
}

/// Where the current record started, in bytes read by the [`Bounded`] reader.
#[derive(Clone)]
pub struct RecordMark(Rc<Cell<u64>>);

impl RecordMark {
    pub fn set(&self, byte: u64) {
        self.0.set(byte);
    }
}

/// The I/O error a [`Bounded`] reader fails with, recognised by [`is_too_long`].
const TOO_LONG: &str = "record longer than the --max-record-mib limit";

impl<R: Read> Bounded<R> {
    /// `slack` is what the reader on top may read ahead (its buffer).
    pub fn new(inner: R, max: u64, slack: u64) -> (Self, RecordMark) {
        let mark = Rc::new(Cell::new(0));
        (Bounded { inner, read: 0, mark: mark.clone(), max: max.saturating_add(slack) }, RecordMark(mark))
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read.saturating_sub(self.mark.get()) > self.max {
            return Err(std::io::Error::other(TOO_LONG));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// True when a CSV error is a [`Bounded`] reader's refusal.
pub fn is_too_long(e: &csv::Error) -> bool {
    matches!(e.kind(), csv::ErrorKind::Io(io) if io.to_string() == TOO_LONG)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_limits() {
        // 20 MiB of zeros "compressed" to 1,000 bytes: past the 16 MiB floor the ratio is
        // 20,971,520 / 1,000 > 100: refused, naming the member and the ratio.
        let mut zeros = std::io::repeat(0).take(20 << 20);
        let e = read_member(&mut zeros, 1000, "data/tweets.js", "a.zip", MAX_MEMBER).unwrap_err();
        assert!(e.msg.starts_with("data/tweets.js: ") && e.msg.contains("100 times"), "{e}");
        // The same bytes from 1 MiB compressed (ratio 20): read whole.
        let mut zeros = std::io::repeat(0).take(20 << 20);
        assert_eq!(read_member(&mut zeros, 1 << 20, "m", "a.zip", MAX_MEMBER).unwrap().len(), 20 << 20);
        // Above the size limit (here 1 MiB) whatever the ratio.
        let mut zeros = std::io::repeat(0).take(2 << 20);
        let e = read_member(&mut zeros, 2 << 20, "m", "a.zip", 1 << 20).unwrap_err();
        assert!(e.msg.contains("more than 1 MiB"), "{e}");
    }

    #[test]
    fn long_lines_are_consumed_not_kept() {
        // Lines of 3, 10 and 2 bytes (plus newlines) with a limit of 5: the middle one is
        // too long; the reader is then at the start of the third.
        let data = b"abc\n0123456789\r\nde";
        let mut r = std::io::BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        let l = next_line(&mut r, &mut buf, 5).unwrap();
        assert_eq!((l.consumed, l.too_long, &buf[..]), (4, false, &b"abc\n"[..]));
        let l = next_line(&mut r, &mut buf, 5).unwrap();
        assert_eq!((l.consumed, l.too_long, buf.len()), (12, true, 0));
        let l = next_line(&mut r, &mut buf, 5).unwrap();
        assert_eq!((l.consumed, l.too_long, &buf[..]), (2, false, &b"de"[..]));
        assert_eq!(next_line(&mut r, &mut buf, 5).unwrap().consumed, 0);
        // Skipping keeps nothing and stops after the newline.
        let mut r = std::io::BufReader::with_capacity(4, &data[4..]);
        assert_eq!(skip_line(&mut r).unwrap(), 12);
        assert_eq!(skip_line(&mut r).unwrap(), 2);
    }
}
