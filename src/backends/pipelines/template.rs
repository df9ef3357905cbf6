//! Placeholder values for one trigger: `{model}`, `{environment}`, `{reason}`, `{author}`,
//! `{note}` and every parameter by name. Substitution goes through the hook renderer so that
//! argv templates and JSON templates share one syntax; JSON is built as values and never by
//! pasting text, so a quote or brace in a note cannot change the document's shape.

use serde_json::{Map, Number, Value};

use super::{Param, ParamKind, TriggerRequest};
use crate::backends::hook;

/// The placeholders every template may use besides the parameters. A parameter may take
/// one of these names (pipelines often have a `model` input); in templates it then stands
/// for the parameter, whose default usually is the built-in value itself.
pub const BUILT_IN: [&str; 5] = ["model", "environment", "reason", "author", "note"];

/// Every placeholder with its value, parameters already expanded.
#[derive(Debug, Clone)]
pub struct Values {
    pairs: Vec<(String, String)>,
    /// The parameters in the order the operator saw them, as JSON of their kind.
    pub params: Vec<(String, Value)>,
}

impl Values {
    pub fn of(request: &TriggerRequest) -> Result<Values, String> {
        let built_in = [&request.model, &request.environment, &request.reason, &request.author, &request.note];
        let base: Vec<(String, String)> =
            BUILT_IN.iter().zip(built_in).map(|(k, v)| (k.to_string(), v.clone())).collect();
        let mut pairs = Vec::with_capacity(base.len() + request.params.len());
        let mut params = Vec::with_capacity(request.params.len());
        // Parameters see only the built-in values, so one parameter never depends on another
        // and the order in the form does not matter.
        let base = Values { pairs: base, params: Vec::new() };
        for param in &request.params {
            let value = base.text(&param.value).map_err(|e| format!("parameter `{}`: {e}", param.name))?;
            params.push((param.name.clone(), typed(param, &value)?));
            pairs.push((param.name.clone(), value));
        }
        // The renderer takes the first match, so a parameter named like a built-in wins.
        pairs.extend(base.pairs.into_iter().filter(|(k, _)| !request.params.iter().any(|p| &p.name == k)));
        Ok(Values { pairs, params })
    }

    fn borrowed(&self) -> Vec<(&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    /// One template string with its placeholders replaced.
    pub fn text(&self, template: &str) -> Result<String, String> {
        // The hook renderer refuses an empty first element (an empty command); here an empty
        // string is a legitimate value.
        if template.trim().is_empty() {
            return Ok(template.to_string());
        }
        let mut out = hook::render(&[template.to_string()], &self.borrowed())?;
        Ok(out.pop().unwrap_or_default())
    }

    pub fn argv(&self, template: &[String]) -> Result<Vec<String>, String> {
        hook::render(template, &self.borrowed())
    }

    /// A JSON template: every string (keys included) is rendered. A string that is exactly
    /// one parameter's placeholder takes that parameter's JSON kind, so `"{days}"` becomes
    /// `30` when `days` is a number.
    pub fn json(&self, template: &Value) -> Result<Value, String> {
        Ok(match template {
            Value::String(s) => match self.whole_param(s) {
                Some(value) => value.clone(),
                None => Value::String(self.text(s)?),
            },
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect::<Result<_, _>>()?),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(self.text(k)?, self.json(v)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    fn whole_param(&self, s: &str) -> Option<&Value> {
        let name = s.strip_prefix('{')?.strip_suffix('}')?;
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The parameters as a JSON object of their kinds (KFP parameters, Airflow `conf`).
    pub fn params_object(&self) -> Value {
        Value::Object(self.params.iter().cloned().collect())
    }

    /// The parameters as strings (GitHub inputs, Argo `name=value`).
    pub fn params_text(&self) -> Vec<(String, String)> {
        self.params.iter().map(|(k, v)| (k.clone(), as_text(v))).collect()
    }
}

fn typed(param: &Param, value: &str) -> Result<Value, String> {
    match param.kind {
        ParamKind::Text => Ok(Value::String(value.to_string())),
        ParamKind::Number => value
            .trim()
            .parse::<Number>()
            .map(Value::Number)
            .map_err(|_| format!("parameter `{}` must be a number, not `{value}`", param.name)),
        ParamKind::Bool => match value.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("parameter `{}` must be true or false, not `{value}`", param.name)),
        },
    }
}

pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A path segment with everything but unreserved characters percent-encoded, so an id read
/// from a server (`../x`, `a?b`) stays one segment.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    if out == "." || out == ".." {
        return out.replace('.', "%2E");
    }
    out
}
