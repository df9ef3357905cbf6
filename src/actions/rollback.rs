//! Rolling a model back: the confirmed plan, the outside calls for each backend, and the
//! check afterwards that the new state is really there. Every path ends in a result the
//! journal can record: ok, failed (nothing changed), or unknown (a request was sent and its
//! answer lost).

use std::time::Duration;

use serde_json::json;

use crate::backends::call::CallError;
use crate::backends::mlflow::MlflowClient;
use crate::backends::serving::oip::OipClient;
use crate::domain::RollbackPlan;
use crate::domain::{RollbackSpec, SpecBackend};
use crate::journal::{Draft, Kind, Outcome, Subject};
use crate::sources::versions::{LiveRegistry, RegistryAccess};

#[derive(Debug, Clone, PartialEq)]
pub struct RollbackResult {
    pub outcome: Outcome,
    /// The live version afterwards, as read back (or the command's target on success).
    pub after: Option<String>,
    /// What was done and seen, in order.
    pub steps: Vec<String>,
    /// A command hook's captured output.
    pub output: Option<String>,
    /// Every request that went out and was not a read, in order, as the journal records it
    /// (method, URL and body, or a command's argv).
    pub sent: Vec<serde_json::Value>,
}

impl RollbackResult {
    fn failed(steps: Vec<String>, error: impl Into<String>, after: Option<String>) -> RollbackResult {
        RollbackResult {
            outcome: Outcome::Failed { error: error.into() },
            after,
            steps,
            output: None,
            sent: Vec::new(),
        }
    }

    fn unknown(steps: Vec<String>, reason: String) -> RollbackResult {
        RollbackResult { outcome: Outcome::Unknown { reason }, after: None, steps, output: None, sent: Vec::new() }
    }

    fn done(steps: Vec<String>, version: String) -> RollbackResult {
        RollbackResult { outcome: Outcome::Ok, after: Some(version), steps, output: None, sent: Vec::new() }
    }

    fn from_call(steps: Vec<String>, e: CallError, after: Option<String>) -> RollbackResult {
        match e {
            CallError::NotApplied(m) => RollbackResult::failed(steps, m, after),
            CallError::Unknown(m) => RollbackResult::unknown(steps, m),
        }
    }
}

/// How often an OIP rollback asks whether the target is ready.
const READY_POLL: Duration = Duration::from_millis(500);

pub async fn execute(plan: &RollbackPlan, access: &RegistryAccess, environment: &str) -> RollbackResult {
    match access {
        RegistryAccess::Demo(demo) => demo.rollback(plan),
        RegistryAccess::None => RollbackResult::failed(Vec::new(), "no rollback is configured", plan.current.clone()),
        RegistryAccess::Live(live) => execute_live(plan, live, environment).await,
    }
}

async fn execute_live(plan: &RollbackPlan, live: &LiveRegistry, environment: &str) -> RollbackResult {
    let timeout = live.config.timeout;
    let mlflow = |registry: &crate::domain::Endpoint| MlflowClient::new(registry.clone(), timeout);
    let resolved = live.config.rollback_for(live.environment, &plan.model);
    let registry = resolved.as_ref().and_then(|r| r.registry.clone());
    match (&plan.spec.backend, resolved.map(|r| r.kind)) {
        (SpecBackend::Mlflow { .. }, Some(crate::config::rollback::RollbackKind::Mlflow)) => {
            let Some(registry) = registry else {
                return RollbackResult::failed(Vec::new(), "this environment has no registry", plan.current.clone());
            };
            match mlflow(&registry) {
                Ok(client) => {
                    let result = move_alias(&client, plan, Vec::new()).await;
                    let mut result = mirror_note(&client, plan, live, result).await;
                    result.sent = client.take_sent();
                    result
                }
                Err(e) => RollbackResult::failed(Vec::new(), e, plan.current.clone()),
            }
        }
        (
            SpecBackend::Oip { .. },
            Some(crate::config::rollback::RollbackKind::Oip { url, verify_input, ready_timeout }),
        ) => {
            let client = match OipClient::new(url, timeout) {
                Ok(c) => c,
                Err(e) => return RollbackResult::failed(Vec::new(), e, plan.current.clone()),
            };
            let mut result = load_and_check(&client, plan, verify_input.as_ref(), ready_timeout).await;
            let mut sent = client.take_sent();
            if result.outcome != Outcome::Ok {
                result.sent = sent;
                return result;
            }
            let mut result = match registry.map(|r| mlflow(&r)) {
                Some(Ok(registry)) => {
                    let result = move_alias(&registry, plan, std::mem::take(&mut result.steps)).await;
                    let result = mirror_note(&registry, plan, live, result).await;
                    sent.extend(registry.take_sent());
                    result
                }
                Some(Err(e)) => RollbackResult::failed(result.steps, e, None),
                None => result,
            };
            result.sent = sent;
            result
        }
        (SpecBackend::Command { .. }, Some(crate::config::rollback::RollbackKind::Command { argv, timeout })) => {
            run_hook(plan, &argv, timeout, environment).await
        }
        _ => RollbackResult::failed(
            Vec::new(),
            "the rollback settings changed since the screen loaded; reload it (r)",
            plan.current.clone(),
        ),
    }
}

/// Copies the change note into the target version's tag; a failure there is reported, but
/// does not undo a rollback that happened.
async fn mirror_note(
    client: &MlflowClient,
    plan: &RollbackPlan,
    live: &LiveRegistry,
    mut result: RollbackResult,
) -> RollbackResult {
    let Some(tag) = live.config.governance.note_tag.as_deref() else { return result };
    if result.outcome != Outcome::Ok {
        return result;
    }
    match client.set_version_tag(&plan.spec.registered_model, &plan.target, tag, &plan.note).await {
        Ok(()) => result.steps.push(format!("note copied to tag `{tag}` of version {}", plan.target)),
        Err(e) => result.steps.push(format!("the note was not copied to tag `{tag}`: {e}")),
    }
    result
}

/// Re-points the alias, refusing when it moved since the operator looked, and reads it back.
async fn move_alias(client: &MlflowClient, plan: &RollbackPlan, mut steps: Vec<String>) -> RollbackResult {
    let (name, alias, target) = (&plan.spec.registered_model, &plan.spec.alias, &plan.target);
    match client.alias(name, alias).await {
        Ok(now) if now != plan.current => {
            let now = now.as_deref().unwrap_or("unset");
            return RollbackResult::failed(
                steps,
                format!("`{alias}` moved to {now} since the screen loaded; nothing was changed"),
                Some(now.to_string()),
            );
        }
        Ok(_) => {}
        Err(e) => return RollbackResult::failed(steps, format!("cannot read `{alias}`: {e}"), plan.current.clone()),
    }
    let set = client.set_alias(name, alias, target).await;
    let back = client.alias(name, alias).await;
    match (set, back) {
        (Ok(()), Ok(Some(v))) if &v == target => {
            steps.push(format!("`{alias}` points at {target} (read back)"));
            RollbackResult::done(steps, v)
        }
        (Ok(()), Ok(v)) => {
            let now = v.clone().unwrap_or_else(|| "unset".into());
            RollbackResult::failed(steps, format!("the registry accepted the change but `{alias}` reads {now}"), v)
        }
        (Ok(()), Err(e)) => {
            RollbackResult::unknown(steps, format!("the change was accepted but the read-back failed: {e}"))
        }
        (Err(CallError::Unknown(m)), Ok(Some(v))) if &v == target => {
            steps.push(format!("the answer was lost ({m}) but `{alias}` reads {target}"));
            RollbackResult::done(steps, v)
        }
        // The request may still be waiting in the server, to be applied after this read.
        (Err(CallError::Unknown(m)), Ok(v)) if v == plan.current => RollbackResult::unknown(
            steps,
            format!("no answer ({m}); `{alias}` still read the old version, but the change may yet land"),
        ),
        (Err(e), back) => {
            let after = back.ok().flatten().or_else(|| plan.current.clone());
            RollbackResult::from_call(steps, e, after)
        }
    }
}

/// Loads the model, waits for the target version, and checks that it answers.
async fn load_and_check(
    client: &OipClient,
    plan: &RollbackPlan,
    verify_input: Option<&serde_json::Value>,
    ready_timeout: Duration,
) -> RollbackResult {
    let (model, target) = (&plan.model, &plan.target);
    let mut steps = Vec::new();
    if let Err(e) = client.load(model).await {
        return RollbackResult::from_call(steps, e, plan.current.clone());
    }
    steps.push(format!("load {model}: accepted"));
    let deadline = tokio::time::Instant::now() + ready_timeout;
    loop {
        match client.version_ready(model, target).await {
            Ok(true) => break,
            Ok(false) | Err(CallError::NotApplied(_)) if tokio::time::Instant::now() < deadline => {}
            Ok(false) => {
                let waited = crate::domain::duration::format(ready_timeout);
                return RollbackResult::failed(steps, format!("version {target} not ready after {waited}"), None);
            }
            Err(e) => return RollbackResult::from_call(steps, e, None),
        }
        tokio::time::sleep(READY_POLL).await;
    }
    steps.push(format!("version {target} is ready"));
    if let Some(input) = verify_input {
        match client.infer(model, Some(target), input).await {
            Ok(answer) if answer.model_version.as_deref().is_none_or(|v| v == target) => {
                steps.push(format!("inference on {target} answered: {}", answer.summary));
            }
            Ok(answer) => {
                let by = answer.model_version.unwrap_or_default();
                return RollbackResult::failed(steps, format!("inference was answered by version {by}"), None);
            }
            Err(e) => {
                let e = CallError::NotApplied(format!("inference check on {target} failed: {e}"));
                return RollbackResult::from_call(steps, e, None);
            }
        }
    }
    RollbackResult::done(steps, target.clone())
}

async fn run_hook(plan: &RollbackPlan, template: &[String], timeout: Duration, environment: &str) -> RollbackResult {
    let values = plan.spec.values(&plan.model, environment, plan.current.as_deref(), &plan.target);
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let argv = match crate::backends::hook::render(template, &pairs) {
        Ok(argv) => argv,
        Err(e) => return RollbackResult::failed(Vec::new(), e, plan.current.clone()),
    };
    let run = match crate::backends::hook::run(&argv, timeout).await {
        Ok(run) => run,
        Err(e) => return RollbackResult::failed(Vec::new(), e, plan.current.clone()),
    };
    let sent = vec![crate::domain::sent::command(&argv, timeout)];
    let steps = vec![format!("{}: {}", crate::backends::hook::display(&argv), run.summary())];
    let output = Some(run.output.clone()).filter(|o| !o.is_empty());
    let (outcome, after) = if run.ok() {
        (Outcome::Ok, Some(plan.target.clone()))
    } else if run.timed_out {
        (Outcome::Unknown { reason: format!("{}; what it changed is unknown", run.summary()) }, None)
    } else {
        (Outcome::Failed { error: format!("the command failed: {}", run.summary()) }, plan.current.clone())
    };
    RollbackResult { outcome, after, steps, output, sent }
}

/// The journal entry of a rollback, and the status line, whatever its outcome.
pub fn draft(plan: &RollbackPlan, result: RollbackResult, author: &str, environment: &str) -> (Draft, String) {
    let from = plan.current.as_deref().unwrap_or("?");
    let what = format!("{} {from} → {}", plan.model, plan.target);
    let message = match &result.outcome {
        Outcome::Ok => format!("rolled back {what}: verified"),
        Outcome::Failed { error } => format!("rollback FAILED ({what}): {error}"),
        Outcome::Unknown { reason } => format!("rollback UNKNOWN ({what}): {reason} — check the registry"),
        Outcome::Suppressed { reason } => format!("rollback held back ({what}): {reason}"),
    };
    let mut request = plan.request_json();
    request["sent"] = json!(result.sent);
    let mut after = json!({ "version": result.after, "steps": result.steps });
    if let Some(output) = &result.output {
        after["output"] = json!(output);
    }
    let draft = Draft {
        author: author.to_string(),
        environment: environment.to_string(),
        kind: Kind::Rollback,
        subject: Subject {
            model: Some(plan.model.clone()),
            version: Some(plan.target.clone()),
            alert: None,
            alertname: None,
        },
        note: plan.note.clone(),
        request: Some(request),
        before: Some(json!({
            "version": plan.current,
            "target_validation": plan.validation,
            "validated": plan.validated,
            "validation_override": plan.override_validation,
        })),
        after: Some(after),
        result: result.outcome,
    };
    (draft, message)
}
/// Lines for the confirmation: what a rollback through this backend sends, in order.
impl RollbackSpec {
    /// The exact requests or command, one line each, as the confirmation shows them.
    pub fn describe(&self, model: &str, environment: &str, current: Option<&str>, target: &str) -> Vec<String> {
        let alias_body = serde_json::json!({ "name": self.registered_model, "alias": self.alias, "version": target });
        let set_alias = |registry: &str| {
            format!("POST {}/api/2.0/mlflow/registered-models/alias {alias_body}", registry.trim_end_matches('/'))
        };
        match &self.backend {
            SpecBackend::Mlflow { registry } => vec![
                set_alias(registry),
                format!(
                    "then read back: GET …/registered-models/alias?name={}&alias={}",
                    self.registered_model, self.alias
                ),
            ],
            SpecBackend::Oip { url, verify, ready_timeout, registry } => {
                let base = url.trim_end_matches('/');
                let mut lines = vec![
                    format!("POST {base}/v2/repository/models/{model}/load"),
                    format!(
                        "wait up to {} for GET {base}/v2/models/{model}/versions/{target}/ready",
                        crate::domain::duration::format(*ready_timeout)
                    ),
                ];
                if *verify {
                    lines.push(format!("POST {base}/v2/models/{model}/versions/{target}/infer (the configured check)"));
                }
                match registry {
                    Some(r) => lines.push(set_alias(r)),
                    None => lines.push("no registry: the alias is not moved".into()),
                }
                lines.push("the other versions stay loaded (MLServer's unload would remove every version)".into());
                lines
            }
            SpecBackend::Command { argv, timeout, .. } => {
                let values = self.values(model, environment, current, target);
                let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                match crate::backends::hook::render(argv, &pairs) {
                    Ok(argv) => vec![
                        format!("run (no shell): {}", crate::backends::hook::display(&argv)),
                        format!("timeout {}; exit code 0 means done", crate::domain::duration::format(*timeout)),
                    ],
                    Err(e) => vec![format!("the command template is broken: {e}")],
                }
            }
            SpecBackend::Demo => vec![format!(
                "demo: point `{}` of {} at version {target} in the simulated registry",
                self.alias, self.registered_model
            )],
        }
    }
}
