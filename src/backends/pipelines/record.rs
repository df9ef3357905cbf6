//! What the journal records of a trigger: the parameters with every placeholder filled and
//! typed, and the request exactly as [`super::trigger`] sends it (built by the same pure
//! [`prepare`], which reads no clock). Header values and credentials are left out; header
//! names are kept.

use serde_json::{Map, Value, json};

use super::{Prepared, TargetKind, TriggerRequest, Values, prepare};
use crate::domain::Auth;
use crate::domain::sent;

/// `"params"` (resolved, as JSON of their kinds; as typed when they cannot be resolved, with
/// `"params_error"`) and `"sent"` (the HTTP request, the command, or why nothing could be
/// built).
pub fn journal_fields(request: &TriggerRequest) -> Map<String, Value> {
    let mut fields = Map::new();
    match Values::of(request) {
        Ok(values) => {
            fields.insert("params".into(), values.params_object());
        }
        Err(e) => {
            let typed: Map<String, Value> =
                request.params.iter().map(|p| (p.name.clone(), Value::String(p.value.clone()))).collect();
            fields.insert("params".into(), Value::Object(typed));
            fields.insert("params_error".into(), Value::String(e));
        }
    }
    let sent = match prepare(request) {
        Ok(Prepared::Http(call)) => match request.target.kind.endpoint() {
            Some(endpoint) => {
                let mut names = sent::header_names(endpoint);
                names.extend(call.headers.iter().map(|(name, _)| name.as_str()));
                let url = crate::backends::call::without_credentials(endpoint, &call.url(endpoint));
                let mut record = sent::http(call.method.as_str(), &url, &names, call.body.as_ref());
                if let (TargetKind::Airflow(_), Auth::Basic { .. }, Some(object)) =
                    (&request.target.kind, &endpoint.auth, record.as_object_mut())
                {
                    // The token exchange before the trigger; its body holds the password.
                    let login = crate::backends::call::shown_url(endpoint, "auth/token");
                    object.insert("login".into(), json!({ "method": "POST", "url": login }));
                }
                record
            }
            None => json!({ "error": "the target has no endpoint" }),
        },
        Ok(Prepared::Command(invocation)) => sent::command(&invocation.argv, invocation.timeout),
        Ok(Prepared::Demo(text)) => json!({ "demo": text }),
        Err(e) => json!({ "error": format!("nothing was sent: {e}") }),
    };
    fields.insert("sent".into(), sent);
    fields
}
