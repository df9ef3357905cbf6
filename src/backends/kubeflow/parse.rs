//! Pure parsing of the Kubeflow Model Registry's JSON (REST API v1alpha3, checked against
//! its OpenAPI spec by the stand-in of the tests).
//!
//! What the API does that matters here:
//! - ids and times are strings holding integers (`"id": "7"`, `"createTimeSinceEpoch":
//!   "1795622073358"`, milliseconds);
//! - lists are `{items, size, pageSize, nextPageToken}`, the token empty on the last page;
//! - `customProperties` maps a name to a tagged value: `{"metadataType":
//!   "MetadataStringValue", "string_value": "approved"}`, likewise `int_value` (a string),
//!   `double_value`, `bool_value`, and base64 `struct_value` / `proto_value`;
//! - errors are `{"code", "message"}`.
//!
//! Nothing here panics, whatever the bytes; names, descriptions and property values are
//! kept as the registry sent them (the views make them inert), error messages are sanitised.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::domain::sanitize;

/// A `RegisteredModel`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: Option<String>,
    /// Sorted by name.
    pub properties: Vec<(String, String)>,
}

/// A `ModelVersion`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Version {
    pub id: String,
    pub name: String,
    pub registered_model_id: String,
    /// Milliseconds since the epoch.
    pub created_ms: Option<i64>,
    /// `LIVE` or `ARCHIVED`.
    pub state: String,
    pub author: String,
    pub description: String,
    /// Sorted by name.
    pub properties: Vec<(String, String)>,
}

impl Version {
    pub fn created(&self) -> Option<Timestamp> {
        self.created_ms.and_then(|ms| Timestamp::from_millisecond(ms).ok())
    }
}

/// An `InferenceService` record: which version of a registered model a serving
/// environment should serve.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InferenceService {
    pub id: String,
    pub name: String,
    pub registered_model_id: String,
    pub serving_environment_id: String,
    /// `None`: "the latest `ModelVersion` by creation order will be served".
    pub model_version_id: Option<String>,
    /// `DEPLOYED` (the default) or `UNDEPLOYED`.
    pub desired_state: String,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_page_token: Option<String>,
}

pub fn parse_model(body: &[u8]) -> Result<Model, String> {
    model(&Value::Object(object(body)?)).ok_or_else(|| "a registered model without an id".into())
}

pub fn parse_inference_service(body: &[u8]) -> Result<InferenceService, String> {
    inference_service(&Value::Object(object(body)?)).ok_or_else(|| "an InferenceService without ids".into())
}

/// The `id` of one entity (a `ServingEnvironment`, say).
pub fn parse_id(body: &[u8]) -> Result<String, String> {
    id(&object(body)?).ok_or_else(|| "an entity without an id".into())
}

pub fn parse_models(body: &[u8]) -> Result<Page<Model>, String> {
    page(body, model)
}

pub fn parse_versions(body: &[u8]) -> Result<Page<Version>, String> {
    page(body, version)
}

pub fn parse_inference_services(body: &[u8]) -> Result<Page<InferenceService>, String> {
    page(body, inference_service)
}

/// The API's error JSON as its message (with the code where it adds something); `None`
/// when the body is not that JSON.
pub fn parse_error(body: &[u8]) -> Option<String> {
    let root = object(body).ok()?;
    let message = root.get("message").and_then(Value::as_str).map(sanitize::clean).filter(|m| !m.is_empty());
    let code = root.get("code").and_then(Value::as_str).map(sanitize::clean).filter(|c| !c.is_empty());
    match (code, message) {
        (Some(code), Some(message)) if !message.contains(&code) => Some(format!("{code}: {message}")),
        (_, Some(message)) => Some(message),
        (Some(code), None) => Some(code),
        (None, None) => None,
    }
}

/// A list answer; entries that are not the expected shape are skipped.
fn page<T>(body: &[u8], each: fn(&Value) -> Option<T>) -> Result<Page<T>, String> {
    let root = object(body)?;
    let items = match root.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(each).collect(),
        Some(_) => return Err("`items` is not a list".into()),
    };
    // Opaque and passed back verbatim, so not sanitised (it is never shown).
    let next_page_token = root.get("nextPageToken").and_then(Value::as_str).filter(|t| !t.is_empty());
    Ok(Page { items, next_page_token: next_page_token.map(str::to_string) })
}

fn model(value: &Value) -> Option<Model> {
    let m = value.as_object()?;
    Some(Model {
        id: id(m)?,
        name: text(m, "name"),
        description: text(m, "description"),
        owner: m.get("owner").and_then(Value::as_str).map(str::to_string),
        properties: properties(m),
    })
}

fn version(value: &Value) -> Option<Version> {
    let v = value.as_object()?;
    Some(Version {
        id: id(v)?,
        name: text(v, "name"),
        registered_model_id: v.get("registeredModelId").and_then(id_text).unwrap_or_default(),
        created_ms: v.get("createTimeSinceEpoch").and_then(int),
        state: text(v, "state"),
        author: text(v, "author"),
        description: text(v, "description"),
        properties: properties(v),
    })
}

fn inference_service(value: &Value) -> Option<InferenceService> {
    let s = value.as_object()?;
    Some(InferenceService {
        id: id(s)?,
        name: text(s, "name"),
        registered_model_id: s.get("registeredModelId").and_then(id_text)?,
        serving_environment_id: s.get("servingEnvironmentId").and_then(id_text).unwrap_or_default(),
        model_version_id: s.get("modelVersionId").and_then(id_text),
        desired_state: text(s, "desiredState"),
    })
}

/// `customProperties` as `(name, value)` text, sorted by name; values that are none of the
/// API's kinds are left out.
fn properties(object: &Map<String, Value>) -> Vec<(String, String)> {
    let Some(map) = object.get("customProperties").and_then(Value::as_object) else { return Vec::new() };
    let mut out: Vec<(String, String)> = map.iter().filter_map(|(k, v)| Some((k.clone(), metadata_text(v)?))).collect();
    out.sort();
    out
}

/// One tagged value as text. The value's own key decides, so that a value whose
/// `metadataType` is missing still reads.
fn metadata_text(value: &Value) -> Option<String> {
    let v = value.as_object()?;
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    if let Some(s) = text("string_value") {
        return Some(s);
    }
    match (v.get("int_value"), v.get("double_value"), v.get("bool_value")) {
        (Some(Value::String(i)), _, _) => Some(i.clone()),
        (Some(Value::Number(n)), _, _) | (_, Some(Value::Number(n)), _) => Some(n.to_string()),
        (_, _, Some(Value::Bool(b))) => Some(b.to_string()),
        _ => text("struct_value").or_else(|| text("proto_value")),
    }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the answer is not a JSON object".into()),
        Err(e) => Err(sanitize::clean(&format!("the answer is not JSON: {e}"))),
    }
}

fn id(object: &Map<String, Value>) -> Option<String> {
    object.get("id").and_then(id_text)
}

/// Ids are strings; a number is accepted too, in case a proxy re-encodes them.
fn id_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

fn int(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(object: &Map<String, Value>, key: &str) -> String {
    object.get(key).and_then(Value::as_str).map(str::to_string).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &str = r#"{"id": "1", "name": "fraud", "owner": "risk-ml", "state": "LIVE",
        "description": "Card fraud", "createTimeSinceEpoch": "1796580349393",
        "customProperties": {"pii": {"metadataType": "MetadataStringValue", "string_value": "no"},
        "retrain_days": {"metadataType": "MetadataIntValue", "int_value": "30"},
        "auc": {"metadataType": "MetadataDoubleValue", "double_value": 0.97},
        "gdpr": {"metadataType": "MetadataBoolValue", "bool_value": true},
        "blob": {"metadataType": "MetadataStructValue", "struct_value": "e30="},
        "odd": {"metadataType": "MetadataStringValue"}}}"#;
    const VERSIONS: &str = r#"{"items": [
        {"id": "2", "name": "1", "registeredModelId": "1", "state": "LIVE", "author": "ana",
         "createTimeSinceEpoch": "1796580349394",
         "customProperties": {"validation_status": {"metadataType": "MetadataStringValue", "string_value": "approved"}}},
        {"id": "3", "name": "2", "registeredModelId": "1", "state": "ARCHIVED"}],
        "size": 2, "pageSize": 2, "nextPageToken": "Mg=="}"#;
    const SERVICES: &str = r#"{"items": [{"id": "6", "name": "fraud-prod", "registeredModelId": "1",
        "servingEnvironmentId": "5", "modelVersionId": "4", "desiredState": "DEPLOYED"},
        {"id": "7", "registeredModelId": "1", "servingEnvironmentId": "5"}, {"name": "no ids"}],
        "size": 3, "pageSize": 100, "nextPageToken": ""}"#;

    #[test]
    fn a_model_with_every_kind_of_custom_property() {
        let model = parse_model(MODEL.as_bytes()).unwrap();
        assert_eq!((model.id.as_str(), model.name.as_str(), model.owner.as_deref()), ("1", "fraud", Some("risk-ml")));
        assert_eq!(model.description, "Card fraud");
        let names: Vec<(&str, &str)> = model.properties.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(names, [("auc", "0.97"), ("blob", "e30="), ("gdpr", "true"), ("pii", "no"), ("retrain_days", "30")]);
    }

    #[test]
    fn pages_of_versions_and_inference_services() {
        let page = parse_versions(VERSIONS.as_bytes()).unwrap();
        assert_eq!(page.next_page_token.as_deref(), Some("Mg=="));
        assert_eq!(page.items.len(), 2);
        let v = &page.items[0];
        assert_eq!((v.id.as_str(), v.name.as_str(), v.author.as_str()), ("2", "1", "ana"));
        assert_eq!(v.created_ms, Some(1_796_580_349_394));
        assert!(v.created().is_some());
        assert_eq!(v.properties, [("validation_status".to_string(), "approved".to_string())]);
        assert_eq!(page.items[1].state, "ARCHIVED");

        let page = parse_inference_services(SERVICES.as_bytes()).unwrap();
        assert_eq!(page.next_page_token, None);
        assert_eq!(page.items.len(), 2, "the entry without ids is skipped");
        assert_eq!(page.items[0].model_version_id.as_deref(), Some("4"));
        assert_eq!(page.items[1].model_version_id, None);
        assert_eq!(page.items[1].desired_state, "");
    }

    #[test]
    fn errors_and_odd_bodies() {
        assert_eq!(
            parse_error(br#"{"code": "Not Found", "message": "no model x"}"#).as_deref(),
            Some("Not Found: no model x")
        );
        assert_eq!(parse_error(br#"{"code": "", "message": "m\u001b[2J"}"#).as_deref(), Some("m␛[2J"));
        assert_eq!(parse_error(b"<html>"), None);
        for bad in [&b""[..], b"[]", b"null", b"\xff", br#"{"items": 3}"#] {
            assert!(parse_versions(bad).is_err());
            assert!(parse_model(bad).is_err());
            assert!(parse_inference_service(bad).is_err());
        }
        assert!(parse_model(br#"{"name": "no id"}"#).is_err());
        assert_eq!(parse_versions(b"{}").unwrap(), Page::default());
        let raw =
            parse_model(br#"{"id": 9, "name": "a\u001b]0;x\u0007", "createTimeSinceEpoch": 99999999999999999999}"#);
        assert_eq!(raw.unwrap().name, "a\x1b]0;x\x07", "kept raw");
        assert_eq!(parse_id(br#"{"id": "5", "name": "prod"}"#).as_deref(), Ok("5"));
    }
}
