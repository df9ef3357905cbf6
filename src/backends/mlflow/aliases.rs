//! Pure parsing of one page of MLflow's `registered-models/search` (checked against `mlflow
//! server` 3.17.2) into the version each model's alias points at.
//!
//! A page is `{"registered_models": [...], "next_page_token": "..."}`, or `{}` when there is
//! nothing; each model carries `aliases: [{"alias", "version"}]`, left out when it has none.
//! The models are walked one at a time (a page of 1,000 with their latest versions and tags
//! is never one tree), and a model that is not the expected shape is skipped rather than
//! failing the page.
//!
//! Unlike [`super::mlflow_parse`], names and versions are kept as the registry spells them:
//! they are matched against Prometheus's labels, and the views sanitise what they show.
//! Nothing here panics, whatever the bytes.

use serde::de::{IgnoredAny, MapAccess};
use serde_json::Value;

use crate::backends::answer::stream::{self, Container, Each, Expect, Found};
use crate::domain::sanitize;

/// One page: `(model, version)` for each model whose alias is set, and where the next page
/// starts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AliasPage {
    pub live: Vec<(String, String)>,
    pub next_page_token: Option<String>,
}

pub fn parse_alias_page(body: &[u8], alias: &str) -> Result<AliasPage, String> {
    let mut live = Vec::new();
    let mut each = |_, model: Value| live.extend(live_version(&model, alias));
    let found = stream::from_slice(body, Expect(SearchPage(&mut each)))
        .map_err(|e| sanitize::clean(&format!("the answer is not JSON: {e}")))?;
    let outline = match found {
        Found::Expected(outline) => outline,
        Found::Other(kind) => return Err(format!("the answer is {kind}, not a JSON object")),
    };
    if let Some(kind) = outline.models_were {
        return Err(format!("`registered_models` is {kind}, not a list"));
    }
    Ok(AliasPage { live, next_page_token: outline.next_page_token })
}

/// `(name, version)` of one registered model whose `alias` is set.
fn live_version(model: &Value, alias: &str) -> Option<(String, String)> {
    let name = model.get("name")?.as_str().filter(|n| !n.is_empty())?;
    let version = model.get("aliases")?.as_array()?.iter().find_map(|entry| {
        (entry.get("alias")?.as_str()? == alias).then_some(())?;
        // Versions are strings; a number is accepted too, in case a proxy re-encodes them.
        match entry.get("version")? {
            Value::String(v) if !v.is_empty() => Some(v.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    })?;
    Some((name.to_string(), version))
}

/// What a page holds besides its models.
#[derive(Default)]
struct Outline {
    /// The kind of value `registered_models` was, when it was not a list.
    models_were: Option<&'static str>,
    next_page_token: Option<String>,
}

/// The page object; each element of `registered_models` goes to the callback.
struct SearchPage<'a, F>(&'a mut F);

impl<'de, F: FnMut(usize, Value)> Container<'de> for SearchPage<'_, F> {
    type Out = Outline;

    fn map<A: MapAccess<'de>>(self, mut map: A) -> Result<Found<Outline>, A::Error> {
        let mut outline = Outline::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "registered_models" => {
                    outline.models_were = match map.next_value_seed(Expect(Each(&mut *self.0)))? {
                        Found::Expected(()) | Found::Other("null") => None,
                        Found::Other(kind) => Some(kind),
                    }
                }
                // Opaque and passed back verbatim; a token that is not a string ends paging.
                "next_page_token" => {
                    outline.next_page_token = match map.next_value::<Value>()? {
                        Value::String(token) if !token.is_empty() => Some(token),
                        _ => None,
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Found::Expected(outline))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded from `mlflow server` 3.17.2 (`max_results=2`, the first of two pages).
    const PAGE: &str = r#"{"registered_models": [
        {"name": "churn", "creation_timestamp": 1796533561284, "last_updated_timestamp": 1796533561284},
        {"name": "fraud", "creation_timestamp": 1796533561041, "last_updated_timestamp": 1796533561160,
         "description": "d", "latest_versions": [{"name": "fraud", "version": "3", "current_stage": "None",
         "description": "build 3", "source": "s3://b/fraud/3", "run_id": "", "status": "READY", "run_link": ""}],
         "tags": [{"key": "owner", "value": "risk"}],
         "aliases": [{"alias": "challenger", "version": "2"}, {"alias": "champion", "version": "3"}]}],
        "next_page_token": "eyJvZmZzZXQiOiAyfQ=="}"#;

    fn live(body: &str, alias: &str) -> Vec<(String, String)> {
        parse_alias_page(body.as_bytes(), alias).unwrap().live
    }

    #[test]
    fn the_alias_of_each_model_and_the_next_page() {
        let page = parse_alias_page(PAGE.as_bytes(), "champion").unwrap();
        assert_eq!(page.live, [("fraud".to_string(), "3".to_string())]);
        assert_eq!(page.next_page_token.as_deref(), Some("eyJvZmZzZXQiOiAyfQ=="));
        assert_eq!(live(PAGE, "challenger"), [("fraud".to_string(), "2".to_string())]);
        assert!(live(PAGE, "missing").is_empty());
        assert_eq!(parse_alias_page(b"{}", "champion").unwrap(), AliasPage::default());
        assert_eq!(parse_alias_page(br#"{"registered_models": null}"#, "champion").unwrap(), AliasPage::default());
    }

    #[test]
    fn names_and_versions_stay_raw() {
        let body = r#"{"registered_models": [{"name": "odd\u001b[2J name", "aliases": [{"alias": "champion", "version": "1\u0007"}]}]}"#;
        assert_eq!(live(body, "champion"), [("odd\u{1b}[2J name".to_string(), "1\u{7}".to_string())]);
    }

    #[test]
    fn misshapen_models_are_skipped_and_a_misshapen_page_refused() {
        let body = r#"{"registered_models": [1, null, {"aliases": [{"alias": "champion", "version": "1"}]},
            {"name": "", "aliases": [{"alias": "champion", "version": "1"}]},
            {"name": "a", "aliases": {"alias": "champion"}},
            {"name": "b", "aliases": [7, {"alias": 3}, {"alias": "champion"}, {"alias": "champion", "version": ""}]},
            {"name": "c", "aliases": [{"alias": "champion", "version": 4}]},
            {"name": "d", "aliases": [{"alias": "champion", "version": "5"}, {"alias": "champion", "version": "6"}]}],
            "next_page_token": 12}"#;
        let page = parse_alias_page(body.as_bytes(), "champion").unwrap();
        assert_eq!(page.live, [("c".to_string(), "4".to_string()), ("d".to_string(), "5".to_string())]);
        assert_eq!(page.next_page_token, None);
        let refused = |body: &[u8]| parse_alias_page(body, "champion").unwrap_err();
        assert_eq!(refused(br#"{"registered_models": {}}"#), "`registered_models` is an object, not a list");
        assert_eq!(refused(b"[]"), "the answer is an array, not a JSON object");
        assert!(refused(b"").starts_with("the answer is not JSON"));
        assert!(refused(br#"{"registered_models": [{"name": "a""#).starts_with("the answer is not JSON"));
        assert!(refused(b"{} trailing").starts_with("the answer is not JSON"));
        assert!(refused(b"\xff\xfe").starts_with("the answer is not JSON"));
    }
}
