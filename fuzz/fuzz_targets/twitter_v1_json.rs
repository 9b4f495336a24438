#![no_main]
// The `twitter-v1-json` adapter on arbitrary bytes (see fuzz/src/lib.rs for what is checked).
libfuzzer_sys::fuzz_target!(|data: &[u8]| rallylens_fuzz::adapter("twitter-v1-json", data));
