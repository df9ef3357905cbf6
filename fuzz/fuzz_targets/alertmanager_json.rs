//! The Alertmanager alert parser on arbitrary bodies, as a 200 answer and as an error
//! status: it must return `Ok` or `Err`, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modeldeck::backends::alertmanager::parse as alertmanager;

fuzz_target!(|data: &[u8]| {
    for status in [200, 400] {
        let _ = alertmanager::parse_alerts(status, data, "model");
    }
});
