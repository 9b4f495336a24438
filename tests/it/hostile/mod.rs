//! Hostile inputs: files and rows built to hang, crash or exhaust the process, or to slip
//! impossible values past the adapters, each of a kind found in practice. Every binary run
//! in `files` has a watchdog: a hang fails the test instead of blocking the suite.

mod files;
mod rows;
