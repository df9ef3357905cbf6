//! The journal entry of a rollback: the confirmed plan, what was sent, and the outcome the
//! registry reported (ok, failed, or unknown when a request was sent and its answer lost).

use serde_json::json;

use crate::domain::{RollbackPlan, RollbackResult};
use crate::journal::{Draft, Kind, Outcome, Subject};

/// The journal entry of a rollback, and the status line, whatever its outcome.
pub fn draft(plan: &RollbackPlan, result: RollbackResult, author: &str, environment: &str) -> (Draft, String) {
    let from = plan.current.as_deref().unwrap_or("?");
    let what = format!("{} {from} → {}", plan.model, plan.target);
    let message = match &result.outcome {
        Outcome::Ok => format!("rolled back {what}: verified"),
        Outcome::Failed { error } => format!("rollback FAILED ({what}): {error}"),
        Outcome::Unknown { reason } => format!("rollback UNKNOWN ({what}): {reason} — check the registry"),
        Outcome::Suppressed { reason } => format!("rollback held back ({what}): {reason}"),
        Outcome::Started => format!("rollback started ({what})"),
    };
    let mut request = plan.request_json();
    request["sent"] = json!(result.sent);
    let mut after = json!({ "version": result.after, "steps": result.steps });
    if let Some(output) = &result.output {
        after["output"] = json!(output);
    }
    let draft = Draft::by(
        author,
        environment,
        Kind::Rollback,
        Subject { model: Some(plan.model.clone()), version: Some(plan.target.clone()), alert: None, alertname: None },
        plan.note.clone(),
    )
    .request(request)
    .before(Some(json!({
        "version": plan.current,
        "target_validation": plan.validation,
        "validated": plan.validated,
        "target_data": plan.target_data,
        "validation_override": plan.override_validation,
    })))
    .after(Some(after))
    .result(result.outcome);
    (draft, message)
}
