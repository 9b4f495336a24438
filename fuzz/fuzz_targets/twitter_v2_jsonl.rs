#![no_main]
// The `twitter-v2-jsonl` adapter on arbitrary bytes (see fuzz/src/lib.rs for what is checked).
libfuzzer_sys::fuzz_target!(|data: &[u8]| rallylens_fuzz::adapter("twitter-v2-jsonl", data));
