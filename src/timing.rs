//! `RALLYLENS_TIMING=1` (or `-vv`): stage times (and resident memory) on stderr, for benchmarks and
//! profiling. Off by default; never changes what a command writes.

use std::time::Instant;

/// Whether `RALLYLENS_TIMING` is set or the CLI was given `-vv`.
pub fn enabled() -> bool {
    std::env::var_os("RALLYLENS_TIMING").is_some() || crate::say::level() >= 2
}

/// A stopwatch that prints `timing: <what> at <s> s (rss <MB>, peak <MB>)` when enabled.
pub struct Clock {
    on: bool,
    start: Instant,
    prefix: String,
}

impl Clock {
    pub fn new(prefix: impl Into<String>) -> Clock {
        Clock { on: enabled(), start: Instant::now(), prefix: prefix.into() }
    }
    /// Seconds since the clock started.
    pub fn secs(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
    pub fn mark(&self, what: &str) {
        if self.on {
            let (rss, peak) = memory_mb();
            eprintln!("timing: {}{what} at {:.2} s (rss {rss} MB, peak {peak} MB)", self.prefix, self.secs());
        }
    }
}

/// Current and peak resident set size in MB (Linux; 0 elsewhere).
fn memory_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
