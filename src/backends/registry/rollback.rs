//! Rolling a model back through the configured backend (the MLflow alias, an Open
//! Inference Protocol server, or a command hook), and the check afterwards that the new
//! state is really there. Every path ends in a result the journal can record: ok, failed
//! (nothing changed), or unknown (a request was sent and its answer lost).

use std::time::Duration;

use super::LiveRegistry;
use crate::backends::call::CallError;
use crate::backends::mlflow::MlflowClient;
use crate::backends::serving::oip::OipClient;
use crate::config::rollback::RollbackKind;
use crate::domain::{Endpoint, Outcome, RollbackPlan, RollbackResult, SpecBackend};

/// How often an OIP rollback asks whether the target is ready.
const READY_POLL: Duration = Duration::from_millis(500);

/// Carries out `plan` through the backend the environment's settings name for the model.
pub(super) async fn execute(plan: &RollbackPlan, live: &LiveRegistry) -> RollbackResult {
    let mlflow = |registry: &Endpoint| Ok::<_, String>(MlflowClient::new(registry.clone(), live.client.clone()));
    let Some(resolved) = live.config.rollback_for(live.environment, &plan.model) else {
        return RollbackResult::failed(Vec::new(), "no rollback is configured", plan.current.clone());
    };
    let registry = resolved.registry.clone();
    match (&plan.spec.backend, resolved.kind) {
        (SpecBackend::Mlflow { .. }, RollbackKind::Mlflow) => {
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
        (SpecBackend::Oip { .. }, RollbackKind::Oip { url, verify_input, ready_timeout }) => {
            let client = OipClient::new(url, live.client.clone());
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
        (SpecBackend::Command { .. }, RollbackKind::Command { argv, timeout }) => {
            run_hook(plan, &argv, timeout, live.environment_name()).await
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
            from_call(steps, e, after)
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
        return from_call(steps, e, plan.current.clone());
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
            Err(e) => return from_call(steps, e, None),
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
                return from_call(steps, e, None);
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

/// A call's error as a result: failed when nothing was applied, unknown when it may have been.
fn from_call(steps: Vec<String>, e: CallError, after: Option<String>) -> RollbackResult {
    match e {
        CallError::NotApplied(m) => RollbackResult::failed(steps, m, after),
        CallError::Unknown(m) => RollbackResult::unknown(steps, m),
    }
}
