#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| server::fuzz_checks::check_submission_body(data));
