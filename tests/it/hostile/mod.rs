//! Hostile inputs: files and rows built to hang, crash or exhaust the process, each of a
//! kind found in practice. Every binary run here has a watchdog: a hang fails the test
//! instead of blocking the suite.

mod files;
