#![no_main]
// The `ga4-bigquery-jsonl` adapter on arbitrary bytes (see fuzz/src/lib.rs for what is checked).
libfuzzer_sys::fuzz_target!(|data: &[u8]| rallylens_fuzz::adapter("ga4-bigquery-jsonl", data));
