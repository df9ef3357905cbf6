//! Pure parsing of MLflow 3.x model-registry JSON (checked against `mlflow server` 3.17.2).
//!
//! What the server does that matters here:
//! - version numbers and tag values are JSON strings; timestamps are integers in ms;
//! - empty repeated fields are left out (a version without tags has no `tags`, a search
//!   with no hits answers `{}`), so every list is optional;
//! - `registered_model.aliases` is `[{alias, version}]`, `model_version.aliases` is
//!   `["alias"]`, and search results carry no aliases at all;
//! - errors are `{"error_code", "message", ...}` JSON, except the 3.x security middleware's
//!   plain-text 403s.
//!
//! Nothing here panics, whatever the bytes; unknown fields are ignored and every string is
//! sanitised.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::domain::sanitize;
use crate::domain::{ModelVersion, RegisteredModel};

/// One page of `model-versions/search`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VersionPage {
    pub versions: Vec<ModelVersion>,
    pub next_page_token: Option<String>,
}

/// `{"registered_model": {...}}` from `registered-models/get` (or create); `versions` is
/// left empty: `latest_versions` holds only the newest one.
pub fn parse_registered_model(body: &[u8]) -> Result<RegisteredModel, String> {
    let root = object(body)?;
    let model = root.get("registered_model").and_then(Value::as_object).ok_or("no `registered_model` in the answer")?;
    let mut aliases: Vec<(String, String)> = list(model, "aliases")
        .filter_map(|a| Some((raw_str(a.get("alias")?)?, version_str(a.get("version")?)?)))
        .collect();
    aliases.sort();
    Ok(RegisteredModel {
        name: text(model, "name"),
        description: text(model, "description"),
        tags: tags(model),
        aliases,
        versions: Vec::new(),
    })
}

/// `{"model_version": {...}}` from `model-versions/get`, `registered-models/alias` (GET)
/// or create.
pub fn parse_model_version(body: &[u8]) -> Result<ModelVersion, String> {
    let root = object(body)?;
    let version = root.get("model_version").ok_or("no `model_version` in the answer")?;
    model_version(version).ok_or_else(|| "a `model_version` without a version number".to_string())
}

/// One page of `model-versions/search`: `{"model_versions": [...], "next_page_token": "..."}`,
/// or `{}` when nothing matched. Entries without a version number, and those whose `name`
/// is not `model` (a LIKE filter matches more than one name), are skipped.
pub fn parse_version_page(body: &[u8], model: &str) -> Result<VersionPage, String> {
    let root = object(body)?;
    let of_model = |v: &&Value| v.get("name").and_then(Value::as_str).is_none_or(|n| n == model);
    let versions = match root.get("model_versions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter(of_model).filter_map(model_version).collect(),
        Some(_) => return Err("`model_versions` is not a list".into()),
    };
    // Opaque to us and passed back verbatim, so it is not sanitised (it is never shown).
    let next_page_token = root.get("next_page_token").and_then(Value::as_str).filter(|t| !t.is_empty());
    Ok(VersionPage { versions, next_page_token: next_page_token.map(str::to_string) })
}

/// MLflow's error JSON as `"{error_code}: {message}"`; `None` when the body is not that
/// JSON (the caller then shows the status and the body's first line).
pub fn parse_error(body: &[u8]) -> Option<String> {
    let root = object(body).ok()?;
    let code = root.get("error_code").and_then(Value::as_str).map(sanitize::clean);
    let message = root.get("message").and_then(Value::as_str).map(sanitize::clean);
    match (code, message) {
        (Some(code), Some(message)) => Some(format!("{code}: {message}")),
        (Some(only), None) | (None, Some(only)) => Some(only),
        (None, None) => None,
    }
}

/// Whether an answer to `GET registered-models/alias` says the alias is not set: MLflow
/// answers 400 INVALID_PARAMETER_VALUE "Registered model alias X not found." (not 404; an
/// unknown model is the 404).
pub fn is_alias_not_found(status: u16, body: &[u8]) -> bool {
    let Ok(root) = object(body) else { return false };
    let code = root.get("error_code").and_then(Value::as_str);
    let message = root.get("message").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
    status == 400
        && code == Some("INVALID_PARAMETER_VALUE")
        && message.contains("alias")
        && message.contains("not found")
}

/// Newest first by numeric version; versions that are not numbers go last, by text.
pub fn sort_newest_first(versions: &mut [ModelVersion]) {
    versions.sort_by(|a, b| {
        let (na, nb) = (a.version.parse::<u64>().ok(), b.version.parse::<u64>().ok());
        match (na, nb) {
            (Some(x), Some(y)) => y.cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => b.version.cmp(&a.version),
        }
    });
}

fn object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the answer is not a JSON object".into()),
        Err(e) => Err(sanitize::clean(&format!("the answer is not JSON: {e}"))),
    }
}

fn model_version(value: &Value) -> Option<ModelVersion> {
    let v = value.as_object()?;
    let version = version_str(v.get("version")?)?;
    let mut aliases: Vec<String> = list(v, "aliases").filter_map(raw_str).collect();
    aliases.sort();
    Some(ModelVersion {
        version,
        created: v.get("creation_timestamp").and_then(millis),
        source: text(v, "source"),
        run_id: text(v, "run_id"),
        description: text(v, "description"),
        status: text(v, "status"),
        tags: tags(v),
        aliases,
        lineage: Default::default(),
    })
}

/// Versions are strings; a number is accepted too, in case a proxy re-encodes them.
fn version_str(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// Milliseconds since the epoch, as a number or (protobuf's JSON form of int64) a string.
fn millis(value: &Value) -> Option<Timestamp> {
    let ms = match value {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    Timestamp::from_millisecond(ms).ok()
}

fn tags(object: &Map<String, Value>) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = list(object, "tags")
        .filter_map(|t| {
            let value = match t.get("value") {
                Some(v) => raw_str(v)?,
                None => String::new(),
            };
            Some((raw_str(t.get("key")?)?, value))
        })
        .collect();
    tags.sort();
    tags.dedup_by(|a, b| a.0 == b.0);
    tags
}

fn list<'a>(object: &'a Map<String, Value>, key: &str) -> impl Iterator<Item = &'a Value> {
    object.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn text(object: &Map<String, Value>, key: &str) -> String {
    object.get(key).and_then(raw_str).unwrap_or_default()
}

fn raw_str(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded from `mlflow server` 3.17.2.
    const REGISTERED_MODEL: &str = r#"{"registered_model": {"name": "fraud-detector",
        "creation_timestamp": 1795622073358, "last_updated_timestamp": 1795622073470,
        "description": "Card-fraud classifier",
        "latest_versions": [{"name": "fraud-detector", "version": "3", "status": "READY"}],
        "tags": [{"key": "team", "value": "risk"}, {"key": "owner", "value": "ml-platform"}],
        "aliases": [{"alias": "challenger", "version": "3"}, {"alias": "champion", "version": "2"}]}}"#;
    const ALIAS_GET: &str = r#"{"model_version": {"name": "fraud-detector", "version": "3",
        "creation_timestamp": 1795622073470, "last_updated_timestamp": 1795622073470,
        "current_stage": "None", "description": "build 3", "source": "s3://ml-models/fraud/v3",
        "run_id": "", "status": "READY", "tags": [{"key": "validation_status", "value": "approved"},
        {"key": "git_sha", "value": "abc003"}], "run_link": "", "aliases": ["challenger", "champion"]}}"#;
    const SEARCH_PAGE: &str = r#"{"model_versions": [
        {"name": "fraud-detector", "version": "3", "creation_timestamp": 1795622073470, "status": "READY"},
        {"name": "fraud-detector", "version": "2", "creation_timestamp": 1795622073445, "status": "READY"}],
        "next_page_token": "eyJvZmZzZXQiOiAyfQ=="}"#;
    const ALIAS_NOT_FOUND: &str = r#"{"error_code": "INVALID_PARAMETER_VALUE", "message": "Registered model alias nope not found.", "sqlstate": "KAM00", "error_class": "INVALID_PARAMETER_VALUE"}"#;
    const MODEL_NOT_FOUND: &str = r#"{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Registered Model with name=nope not found", "sqlstate": "KAM00", "error_class": "RESOURCE_NOT_FOUND"}"#;

    #[test]
    fn registered_model_with_sorted_tags_and_aliases() {
        let model = parse_registered_model(REGISTERED_MODEL.as_bytes()).unwrap();
        assert_eq!(model.name, "fraud-detector");
        assert_eq!(model.description, "Card-fraud classifier");
        assert_eq!(model.tags, [("owner".into(), "ml-platform".into()), ("team".into(), "risk".into())]);
        assert_eq!(model.alias("champion"), Some("2"));
        assert_eq!(model.alias("challenger"), Some("3"));
        assert!(model.versions.is_empty());
    }

    #[test]
    fn a_model_without_tags_or_aliases_has_empty_lists() {
        let model = parse_registered_model(br#"{"registered_model": {"name": "o'brien"}}"#).unwrap();
        assert_eq!(model, RegisteredModel { name: "o'brien".into(), ..Default::default() });
    }

    #[test]
    fn model_version_from_the_alias_lookup() {
        let v = parse_model_version(ALIAS_GET.as_bytes()).unwrap();
        assert_eq!(v.version, "3");
        assert_eq!(v.created, Some(Timestamp::from_millisecond(1_795_622_073_470).unwrap()));
        assert_eq!(v.source, "s3://ml-models/fraud/v3");
        assert_eq!((v.description.as_str(), v.status.as_str(), v.run_id.as_str()), ("build 3", "READY", ""));
        assert_eq!(v.tags[0], ("git_sha".into(), "abc003".into()));
        assert_eq!(v.tag("validation_status"), Some("approved"));
        assert_eq!(v.aliases, ["challenger", "champion"]);
    }

    #[test]
    fn search_pages_with_and_without_a_next_token() {
        let page = parse_version_page(SEARCH_PAGE.as_bytes(), "fraud-detector").unwrap();
        let versions: Vec<&str> = page.versions.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(versions, ["3", "2"]);
        assert_eq!(page.next_page_token.as_deref(), Some("eyJvZmZzZXQiOiAyfQ=="));
        assert_eq!(parse_version_page(b"{}", "m").unwrap(), VersionPage::default());
        assert!(parse_version_page(br#"{"model_versions": 3}"#, "m").is_err());
        let body = br#"{"model_versions": [{"name": "m"}, 1, {"version": 7}, {"name": "o", "version": "2"}]}"#;
        let skipped = parse_version_page(body, "m").unwrap();
        assert_eq!(skipped.versions.len(), 1);
        assert_eq!(skipped.versions[0].version, "7");
    }

    #[test]
    fn errors_and_the_missing_alias() {
        assert_eq!(
            parse_error(MODEL_NOT_FOUND.as_bytes()).unwrap(),
            "RESOURCE_DOES_NOT_EXIST: Registered Model with name=nope not found"
        );
        assert_eq!(parse_error(b"Invalid Host header - possible DNS rebinding attack detected"), None);
        assert_eq!(parse_error(br#"{"message": "m"}"#).as_deref(), Some("m"));
        assert!(is_alias_not_found(400, ALIAS_NOT_FOUND.as_bytes()));
        assert!(!is_alias_not_found(404, MODEL_NOT_FOUND.as_bytes()));
        assert!(!is_alias_not_found(400, MODEL_NOT_FOUND.as_bytes()));
    }

    #[test]
    fn strings_are_kept_raw_and_odd_values_tolerated() {
        let body = br#"{"model_version": {"version": "1\u001b[2J", "description": "\u001b]0;pwned\u0007",
            "creation_timestamp": "1795622073470", "tags": [{"key": "k"}, {"value": "no key"}, {"key": "k", "value": "dup"}],
            "aliases": ["a", 3]}}"#;
        let v = parse_model_version(body).unwrap();
        assert_eq!(v.version, "1\x1b[2J");
        assert_eq!(v.description, "\x1b]0;pwned\x07");
        assert!(v.created.is_some());
        assert_eq!(v.tags, [("k".into(), String::new())]);
        assert_eq!(v.aliases, ["a"]);
        let huge = br#"{"model_version": {"version": "1", "creation_timestamp": 99999999999999999999}}"#;
        assert_eq!(parse_model_version(huge).unwrap().created, None);
        for bad in [&b""[..], b"[]", b"null", b"{\"model_version\": 1}", b"\xff\xfe", b"{\"registered_model\": []}"] {
            assert!(parse_model_version(bad).is_err());
            assert!(parse_registered_model(bad).is_err());
        }
    }

    #[test]
    fn versions_sort_numerically_newest_first() {
        let mut versions: Vec<ModelVersion> = ["2", "10", "x", "1", "b"]
            .iter()
            .map(|v| ModelVersion { version: v.to_string(), ..Default::default() })
            .collect();
        sort_newest_first(&mut versions);
        let order: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
        assert_eq!(order, ["10", "2", "1", "x", "b"]);
    }
}
