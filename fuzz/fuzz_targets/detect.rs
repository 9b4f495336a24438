#![no_main]
// Format detection on arbitrary bytes (see fuzz/src/lib.rs for what is checked).
libfuzzer_sys::fuzz_target!(|data: &[u8]| rallylens_fuzz::detect_then_read(data));
