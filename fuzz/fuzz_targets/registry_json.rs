//! The MLflow registry and Open Inference Protocol parsers on arbitrary bodies: they must
//! return `Ok`, `Err` or `None`, never panic, and hand out only sanitised strings (except
//! the live versions, which are kept raw for the views to sanitise).
#![no_main]

use libfuzzer_sys::fuzz_target;
use modeldeck::backends::call::http_error_text;
use modeldeck::backends::mlflow::{aliases as mlflow_aliases, parse as mlflow_parse};
use modeldeck::backends::serving::oip_parse;

fn assert_inert(text: &str) {
    assert!(!text.chars().any(|c| c.is_control()), "a control character survived: {text:?}");
}

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = mlflow_parse::parse_registered_model(data) {
        assert_inert(&model.name);
        assert_inert(&model.description);
        model.tags.iter().chain(&model.aliases).for_each(|(k, v)| {
            assert_inert(k);
            assert_inert(v);
        });
    }
    if let Ok(version) = mlflow_parse::parse_model_version(data) {
        assert_inert(&version.version);
        assert_inert(&version.description);
        assert_inert(&version.source);
    }
    if let Ok(mut page) = mlflow_parse::parse_version_page(data, "fraud-detector") {
        mlflow_parse::sort_newest_first(&mut page.versions);
        page.versions.iter().for_each(|v| v.aliases.iter().for_each(|a| assert_inert(a)));
    }
    match mlflow_aliases::parse_alias_page(data, "champion") {
        Ok(page) => page.live.iter().for_each(|(name, version)| assert!(!name.is_empty() && !version.is_empty())),
        Err(message) => assert_inert(&message),
    }
    if let Some(message) = mlflow_parse::parse_error(data) {
        assert_inert(&message);
    }
    let _ = mlflow_parse::is_alias_not_found(400, data);
    for status in [200, 403, 502] {
        assert_inert(&http_error_text(status, data));
    }
    if let Ok(index) = oip_parse::parse_index(data) {
        index.iter().for_each(|m| {
            assert_inert(&m.name);
            assert_inert(&m.state);
            assert_inert(&m.reason);
        });
    }
    if let Ok(answer) = oip_parse::parse_infer(data) {
        assert_inert(&answer.summary);
        assert!(answer.summary.chars().count() <= oip_parse::SUMMARY_MAX);
    }
    if let Some(message) = oip_parse::parse_error(data) {
        assert_inert(&message);
    }
});
