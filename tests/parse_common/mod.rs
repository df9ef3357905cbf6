//! Fixtures and checks shared by the parser tests (`parse_prometheus`,
//! `parse_alertmanager`), which include this with `mod parse_common;`.
//!
//! Fixtures under `tests/fixtures/` were recorded from Prometheus 2.42.0 and Alertmanager
//! 0.25.0 where possible (`vector_*`, `matrix_accuracy`, `alerts`, `error_bad_data`,
//! `error_execution`, `error_too_many_points`, `alerts_v025`, `error_bad_filter`,
//! `error_validation`, `v1_envelope`); the others follow the documented shapes (native
//! histograms, Thanos warnings, Alertmanager 0.28 `mutedBy`, proxy pages).

use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;
use modeldeck::backends::alertmanager::feed::AlertFeed;
use modeldeck::backends::answer::ApiError;
use modeldeck::backends::streamed::BodyReader;
use modeldeck::domain::Alert;

pub const MODEL: &str = "model";

/// The start of the range-query grid the matrix fixtures are read onto.
pub const START: f64 = 1735689600.5;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
}

/// What the header shows: one short line without control characters.
pub fn assert_displayable(err: &ApiError) {
    let text = err.to_string();
    assert!(!text.is_empty(), "{err:?}");
    assert!(text.chars().count() <= 120, "too long: {text:?}");
    assert!(!has_control(&text), "control character in {text:?}");
}

/// Runs `f`, checks the error it returns is displayable, and hands it back.
pub fn expect_err<T: std::fmt::Debug>(result: Result<T, ApiError>) -> ApiError {
    let err = result.expect_err("expected an error");
    assert_displayable(&err);
    err
}

pub fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The alerts [`AlertFeed`] reads from `body` arriving in pieces of `sizes` bytes (cycled).
#[allow(dead_code)]
pub fn fed(status: u16, body: &[u8], sizes: &[usize]) -> Result<Vec<Alert>, ApiError> {
    let mut feed = AlertFeed::new(MODEL, &[]);
    feed.status(status);
    let (mut rest, mut piece) = (body, 0);
    while !rest.is_empty() {
        let n = sizes[piece % sizes.len()].clamp(1, rest.len());
        feed.chunk(&rest[..n]);
        (rest, piece) = (&rest[n..], piece + 1);
    }
    feed.finish().map(|alerts| alerts.into_iter().map(Arc::unwrap_or_clone).collect())
}
