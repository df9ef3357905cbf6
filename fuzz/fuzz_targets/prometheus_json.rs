//! The Prometheus HTTP API parsers on arbitrary bodies, as a 200 answer and as an error
//! status: they must return `Ok` or `Err`, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modeldeck::backends::prometheus::parse as prometheus;

const MODEL: &str = "model";

fuzz_target!(|data: &[u8]| {
    for status in [200, 503] {
        let _ = prometheus::parse_vector(status, data, MODEL);
        let _ = prometheus::parse_label_values(status, data, MODEL, "version");
        let _ = prometheus::parse_matrix(status, data, MODEL, 1_735_689_600.5, 60.0, 30);
        let _ = prometheus::parse_alerts(status, data, MODEL);
    }
});
