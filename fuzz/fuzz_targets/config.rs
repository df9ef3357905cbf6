//! Config parsing on arbitrary text, with no environment: it must return the config or an
//! error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = modeldeck::config::from_str(&text, None, &|_| None);
});
