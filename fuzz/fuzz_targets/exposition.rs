//! The exposition parser on arbitrary text: it must never panic, in either flavor, and
//! whatever it returns must hold together.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modeldeck::backends::serving::exposition::{Flavor, parse, parse_with};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let exp = parse(&text);
    for family in &exp.families {
        assert!(!family.name.is_empty());
        for sample in &family.samples {
            assert!(!sample.name.is_empty());
        }
    }
    for diagnostic in &exp.diagnostics {
        assert!(diagnostic.line >= 1);
    }
    // The other flavor reads the same lines; it must not panic either.
    let other = match exp.flavor {
        Flavor::Text => Flavor::OpenMetrics,
        Flavor::OpenMetrics => Flavor::Text,
    };
    let _ = parse_with(&text, other);
});
