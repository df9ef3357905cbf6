//! A generic webhook: any method and URL, fixed or templated headers, and a JSON body
//! template whose strings may hold placeholders. For pipelines without a preset (Jenkins,
//! Dagster, an in-house service). Its runs cannot be followed: the answer's `run_id` (or
//! `id`) and `url` are shown when it has them.

use crate::domain::Webhook;

use super::send::{self, HttpCall, field};
use super::{TriggerError, Triggered, Values};
use crate::backends::http::Answer;
use crate::domain::sanitize;

pub fn build(target: &Webhook, values: &Values) -> Result<HttpCall, String> {
    let body = target.body.as_ref().map(|b| values.json(b)).transpose()?;
    let mut call = HttpCall::new(target.method.clone(), target.path.clone(), body);
    call.query = target.query.clone();
    for (name, template) in &target.headers {
        let value = values.text(template)?;
        // A line break in a header would either fail before sending or split the header.
        if sanitize::sanitize(&value) != value {
            return Err(format!("header `{name}` would contain a control character"));
        }
        call.headers.push((name.clone(), value));
    }
    Ok(call)
}

pub fn created(answer: &Answer) -> Result<Triggered, TriggerError> {
    let doc = send::json_or_null(&answer.body);
    let run_id = field(&doc, "/run_id").or_else(|| field(&doc, "/id"));
    let url = field(&doc, "/url").filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let detail = match &run_id {
        Some(id) => format!("webhook answered HTTP {} (run {id})", answer.status),
        None => format!("webhook answered HTTP {}", answer.status),
    };
    Ok(Triggered { run_id, url, pollable: false, detail })
}
