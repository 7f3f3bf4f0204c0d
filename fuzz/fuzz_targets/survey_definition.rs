#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| server::fuzz_checks::check_survey_definition(data));
