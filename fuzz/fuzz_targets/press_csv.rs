#![no_main]
// The `press-csv` adapter on arbitrary bytes (see fuzz/src/lib.rs for what is checked).
libfuzzer_sys::fuzz_target!(|data: &[u8]| rallylens_fuzz::adapter("press-csv", data));
