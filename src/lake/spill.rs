//! A sort that spills: fixed-size records in, the same records out in ascending order, with
//! at most `cap` of them in memory. Used by the commit's de-duplication
//! ([`super::commit`]), whose sort keys (a 128-bit key hash and the row's position) grow
//! with the partition: 24-32 bytes a row, 400 MB for the follower counts of a 20 GB
//! collection. Below `cap` records it is an in-memory sort; above, each full buffer is
//! sorted and written to a run file in a folder the caller names (the transaction's
//! staging folder, beside the lake), and the runs are merged while they are read back.
//!
//! Records are distinct in the commit (each holds its row's position), so the merged order
//! is the one total order, whatever `cap`: the de-duplication's outcome does not depend on
//! whether it spilled.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};

/// Records the commit keeps per keyed row in memory before it spills: 1 Mi, 24-32 MiB per
/// partition being de-duplicated (two at a time on two cores).
pub const SPILL_RECORDS: usize = 1 << 20;

/// A record of fixed size, written little-endian.
pub trait Record: Ord + Copy + Send {
    const SIZE: usize;
    fn put(&self, out: &mut [u8]);
    fn get(b: &[u8]) -> Self;
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"))
}

impl Record for (u64, u64, u64) {
    const SIZE: usize = 24;
    fn put(&self, out: &mut [u8]) {
        out[0..8].copy_from_slice(&self.0.to_le_bytes());
        out[8..16].copy_from_slice(&self.1.to_le_bytes());
        out[16..24].copy_from_slice(&self.2.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        (u64_at(b, 0), u64_at(b, 1), u64_at(b, 2))
    }
}

impl Record for (u64, u64, u64, i64) {
    const SIZE: usize = 32;
    fn put(&self, out: &mut [u8]) {
        (self.0, self.1, self.2).put(&mut out[..24]);
        out[24..32].copy_from_slice(&self.3.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        (u64_at(b, 0), u64_at(b, 1), u64_at(b, 2), u64_at(b, 3) as i64)
    }
}

/// Names run files apart between the sorts of one process (partitions sort in parallel).
static SORTS: AtomicUsize = AtomicUsize::new(0);

/// Collects records, spilling sorted runs to `dir` whenever `cap` are held.
pub struct SpillSort<T: Record> {
    buf: Vec<T>,
    cap: usize,
    dir: PathBuf,
    id: usize,
    runs: Vec<PathBuf>,
}

impl<T: Record> SpillSort<T> {
    /// `expected`: how many records will come (sizes the buffer once, up to `cap`).
    pub fn new(dir: &Path, cap: usize, expected: usize) -> Self {
        let cap = cap.max(1);
        SpillSort {
            buf: Vec::with_capacity(expected.min(cap)),
            cap,
            dir: dir.to_path_buf(),
            id: SORTS.fetch_add(1, Ordering::Relaxed),
            runs: Vec::new(),
        }
    }

    pub fn push(&mut self, r: T) -> Result<()> {
        self.buf.push(r);
        if self.buf.len() >= self.cap {
            self.spill()?;
        }
        Ok(())
    }

    /// How many runs went to disk so far.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    fn spill(&mut self) -> Result<()> {
        use rayon::slice::ParallelSliceMut;
        self.buf.par_sort_unstable();
        std::fs::create_dir_all(&self.dir).with_context(|| format!("creating {}", self.dir.display()))?;
        let path = self.dir.join(format!("sort-{}-{}.run", self.id, self.runs.len()));
        // Pushed before writing: a half-written run is removed with the others.
        self.runs.push(path.clone());
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut w = BufWriter::with_capacity(1 << 18, file);
        let mut rec = vec![0u8; T::SIZE];
        for r in &self.buf {
            r.put(&mut rec);
            w.write_all(&rec).with_context(|| format!("writing {}", path.display()))?;
        }
        w.flush().with_context(|| format!("writing {}", path.display()))?;
        self.buf.clear();
        Ok(())
    }

    /// Every record pushed, ascending. The run files are removed when the result is dropped.
    pub fn sorted(mut self) -> Result<Sorted<T>> {
        use rayon::slice::ParallelSliceMut;
        self.buf.par_sort_unstable();
        let runs = std::mem::take(&mut self.runs);
        let mut readers = Vec::with_capacity(runs.len());
        for p in &runs {
            let f = File::open(p).with_context(|| format!("opening {}", p.display()))?;
            readers.push((BufReader::with_capacity(1 << 16, f), p.clone()));
        }
        let mut s = Sorted {
            mem: std::mem::take(&mut self.buf).into_iter(),
            readers,
            heap: BinaryHeap::new(),
            files: runs,
            rec: vec![0u8; T::SIZE],
        };
        // Seed the merge with each source's first record (source index: runs, then memory);
        // without runs, the records come straight from memory.
        let sources = if s.readers.is_empty() { 0 } else { s.readers.len() + 1 };
        for i in 0..sources {
            if let Some(r) = s.next_of(i)? {
                s.heap.push(Reverse((r, i)));
            }
        }
        Ok(s)
    }
}

impl<T: Record> Drop for SpillSort<T> {
    fn drop(&mut self) {
        for p in &self.runs {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The merge of a [`SpillSort`]'s runs and its in-memory rest; an iterator of `Result<T>`.
pub struct Sorted<T: Record> {
    mem: std::vec::IntoIter<T>,
    readers: Vec<(BufReader<File>, PathBuf)>,
    heap: BinaryHeap<Reverse<(T, usize)>>,
    files: Vec<PathBuf>,
    rec: Vec<u8>,
}

impl<T: Record> Sorted<T> {
    /// The next record of source `i` (a run file, or memory when `i` is past the runs).
    fn next_of(&mut self, i: usize) -> Result<Option<T>> {
        let Some((r, path)) = self.readers.get_mut(i) else { return Ok(self.mem.next()) };
        match r.read_exact(&mut self.rec) {
            Ok(()) => Ok(Some(T::get(&self.rec))),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

impl<T: Record> Iterator for Sorted<T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        if self.readers.is_empty() {
            return self.mem.next().map(Ok);
        }
        let Reverse((r, i)) = self.heap.pop()?;
        match self.next_of(i) {
            Ok(Some(n)) => self.heap.push(Reverse((n, i))),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(r))
    }
}

impl<T: Record> Drop for Sorted<T> {
    fn drop(&mut self) {
        for p in &self.files {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Calls `f` with each run of consecutive records that `same` groups (records sorted, so
/// each group once), reusing one buffer.
pub fn for_each_group<T: Record>(
    sorted: impl Iterator<Item = Result<T>>,
    same: impl Fn(&T, &T) -> bool,
    mut f: impl FnMut(&[T]),
) -> Result<()> {
    let mut group: Vec<T> = Vec::new();
    for r in sorted {
        let r = r?;
        if group.last().is_some_and(|l| !same(l, &r)) {
            f(&group);
            group.clear();
        }
        group.push(r);
    }
    if !group.is_empty() {
        f(&group);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_with(cap: usize, xs: &[(u64, u64, u64, i64)], dir: &Path) -> (Vec<(u64, u64, u64, i64)>, usize) {
        let mut s = SpillSort::new(dir, cap, xs.len());
        for x in xs {
            s.push(*x).unwrap();
        }
        let runs = s.runs();
        (s.sorted().unwrap().map(|r| r.unwrap()).collect(), runs)
    }

    #[test]
    fn spilled_runs_merge_to_the_in_memory_order_and_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // A deterministic shuffle with repeated keys and negative scores.
        let xs: Vec<(u64, u64, u64, i64)> =
            (0..1000u64).map(|i| ((i * 7919) % 13, (i * 104729) % 5, i, (i as i64 % 7) - 3)).collect();
        let (mem, runs0) = sorted_with(usize::MAX, &xs, dir.path());
        assert_eq!(runs0, 0);
        let mut want = xs.clone();
        want.sort();
        assert_eq!(mem, want);
        for cap in [1, 3, 64, 999, 1000] {
            let (got, runs) = sorted_with(cap, &xs, dir.path());
            assert_eq!(got, want, "cap {cap}");
            assert_eq!(runs, 1000 / cap, "cap {cap}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "run files left behind");
    }

    #[test]
    fn records_round_trip() {
        let a = (u64::MAX, 1, 2, i64::MIN);
        let mut b = [0u8; 32];
        a.put(&mut b);
        assert_eq!(<(u64, u64, u64, i64)>::get(&b), a);
        let c = (3u64, u64::MAX, 0u64);
        let mut d = [0u8; 24];
        c.put(&mut d);
        assert_eq!(<(u64, u64, u64)>::get(&d), c);
    }

    #[test]
    fn groups_are_whole_across_run_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SpillSort::new(dir.path(), 2, 0);
        for x in [(1u64, 0u64, 5u64), (2, 0, 1), (1, 0, 2), (1, 0, 9), (2, 0, 0)] {
            s.push(x).unwrap();
        }
        assert_eq!(s.runs(), 2);
        let mut groups = Vec::new();
        for_each_group(s.sorted().unwrap(), |a, b| a.0 == b.0, |g| groups.push(g.to_vec())).unwrap();
        assert_eq!(groups, vec![vec![(1, 0, 2), (1, 0, 5), (1, 0, 9)], vec![(2, 0, 0), (2, 0, 1)]]);
    }
}
