//! A rollback through the Kubeflow Model Registry: the model's InferenceService record is
//! re-pointed at the target ModelVersion (the platform's controller reconciles it into
//! KServe), then read back. Every path ends in a result the journal can record: ok, failed
//! (nothing changed), or unknown (the PATCH was sent and its outcome is not known). The
//! PATCH is sent at most once.

use super::KubeflowClient;
use super::registry::{KubeflowRegistry, locate};
use crate::backends::call::CallError;
use crate::domain::{RollbackPlan, RollbackResult, SpecBackend};

pub(super) async fn execute(plan: &RollbackPlan, registry: &KubeflowRegistry) -> RollbackResult {
    let (SpecBackend::Kubeflow { .. }, Some(endpoint)) = (&plan.spec.backend, registry.endpoint()) else {
        return RollbackResult::failed(
            Vec::new(),
            "the rollback settings changed since the screen loaded; reload it (r)",
            plan.current.clone(),
        );
    };
    let client = KubeflowClient::new(endpoint, registry.client.clone());
    let mut result = repoint(&client, plan, registry).await;
    result.sent = client.take_sent();
    result
}

/// Re-reads the record, refuses when it moved since the operator looked, sends the PATCH
/// once and reads the record back.
async fn repoint(client: &KubeflowClient, plan: &RollbackPlan, registry: &KubeflowRegistry) -> RollbackResult {
    let mut steps = Vec::new();
    let target = registry.target(&plan.model);
    let located = match locate(client, &target).await {
        Ok(located) => located,
        Err(e) => return from_call(steps, e, plan.current.clone()),
    };
    let service = match located.service(&target, &plan.model) {
        Ok(service) => service.clone(),
        Err(why) => return RollbackResult::failed(steps, why, plan.current.clone()),
    };
    let record = format!("InferenceService record `{}`", service.name);
    let now = located.served(&service).map(|v| v.name.clone());
    if now != plan.current {
        let shown = now.as_deref().unwrap_or("unknown");
        return RollbackResult::failed(
            steps,
            format!("{record} moved to {shown} since the screen loaded; nothing was changed"),
            now,
        );
    }
    let Some(version) = located.versions.iter().find(|v| v.name == plan.target) else {
        let message = format!("the registry has no version {} of {} any more", plan.target, target.registered_model);
        return RollbackResult::failed(steps, message, plan.current.clone());
    };
    let set = client.set_model_version(&service.id, &version.id).await;
    let back = client.inference_service(&service.id).await.map(|s| located.served(&s).map(|v| v.name.clone()));
    let target = &plan.target;
    match (set, back) {
        (Ok(()), Ok(Some(v))) if &v == target => {
            steps.push(format!("{record} serves {target} (ModelVersion {}, read back)", version.id));
            RollbackResult::done(steps, v)
        }
        (Ok(()), Ok(v)) => {
            let shown = v.clone().unwrap_or_else(|| "an unknown version".into());
            RollbackResult::failed(steps, format!("the registry accepted the change but {record} serves {shown}"), v)
        }
        (Ok(()), Err(e)) => {
            RollbackResult::unknown(steps, format!("the change was accepted but the read-back failed: {e}"))
        }
        (Err(CallError::Unknown(m)), Ok(Some(v))) if &v == target => {
            steps.push(format!("the answer was lost ({m}) but {record} serves {target}"));
            RollbackResult::done(steps, v)
        }
        // The PATCH may still be waiting in the registry, to be applied after this read.
        (Err(CallError::Unknown(m)), Ok(v)) if v == plan.current => RollbackResult::unknown(
            steps,
            format!("no usable answer ({m}); {record} still reads the old version, but the change may yet land"),
        ),
        (Err(e), back) => {
            let after = back.ok().flatten().or_else(|| plan.current.clone());
            from_call(steps, e, after)
        }
    }
}

/// A call's error as a result: failed when nothing was applied, unknown when it may have been.
fn from_call(steps: Vec<String>, e: CallError, after: Option<String>) -> RollbackResult {
    match e {
        CallError::NotApplied(m) => RollbackResult::failed(steps, m, after),
        CallError::Unknown(m) => RollbackResult::unknown(steps, m),
    }
}
