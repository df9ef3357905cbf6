//! The journal entries written before a request leaves: a `started` entry for a rollback or
//! retraining, so every console sharing the journal sees it in flight, and the claim of an
//! automatic rule on one alert occurrence, checked and made under the journal's lock so that
//! exactly one console acts on it, across processes and restarts.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::run::ActionContext;
use crate::domain::team::{self, Claim, ClaimDecision};
use crate::domain::{ActionRequest, Suppressed};
use crate::journal::{Draft, Entry, Outcome};

/// Whether `request` gets a `started` entry: the slow changes another operator could
/// collide with.
pub fn wants_started(request: &ActionRequest) -> bool {
    matches!(request, ActionRequest::Rollback(_) | ActionRequest::Retrain(_))
}

/// The `started` entry for `request`, with the in-flight action it takes over, if any.
pub fn started_draft(request: &ActionRequest, ctx: &ActionContext) -> Option<Draft> {
    if !wants_started(request) && !matches!(request, ActionRequest::CreateSilence { .. }) {
        return None;
    }
    let (_, draft) = super::inflight::describe_as(request, ctx, Outcome::Started);
    let take_over = match request {
        ActionRequest::Rollback(plan) => plan.take_over.as_ref(),
        ActionRequest::Retrain(order) => order.take_over.as_ref(),
        _ => None,
    };
    draft.map(|d| match take_over {
        Some(other) => with_field(d, "take_over", other.override_json()),
        None => d,
    })
}

/// `draft` with `key: value` in its request object.
pub fn with_field(mut draft: Draft, key: &str, value: Value) -> Draft {
    let mut request = draft.request.take().unwrap_or_else(|| json!({}));
    if let Some(fields) = request.as_object_mut() {
        fields.insert(key.into(), value);
    }
    draft.request(request)
}

/// What the journal made of an automatic action's claim.
pub enum Claimed {
    /// This console holds the claim: `started` is the entry to link the result to.
    Act { started: Entry },
    /// The suppression (by the rate limit across consoles, or this console's own) is
    /// journaled.
    Held { entry: Entry, message: String },
    /// Another console, or this one before a restart, already acted: nothing is sent.
    Taken { by: String },
}

/// Checks and claims under the journal's lock. Without a journal there is nothing shared,
/// and the console's own rate limiter alone decides.
pub async fn claim(
    claim: Claim,
    action: &ActionRequest,
    held: &Suppressed,
    ctx: &ActionContext,
) -> Result<Claimed, String> {
    let Some(journal) = ctx.journal.clone() else {
        return Err("no journal".into());
    };
    let own_suppression = matches!(action, ActionRequest::Suppressed(_));
    let started = if own_suppression { None } else { started_draft(action, ctx) };
    let environment = ctx.environment.clone();
    let (author, held) = (ctx.author.clone(), held.clone());
    let claim_json = claim.to_json();
    let decided = tokio::task::spawn_blocking(move || {
        // The decision is made inside the store's lock, maybe on its own thread: it comes
        // back through this slot.
        let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
        let inside = slot.clone();
        let entry = journal.append_if(move |entries| {
            let mut outcome = inside.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let decision = team::claim_decision(entries, &claim, &environment, Timestamp::now());
            let draft = match &decision {
                ClaimDecision::Claimed { .. } => None,
                ClaimDecision::Limited { until } => {
                    let s = Suppressed { until: *until, ..held.clone() };
                    Some(super::retrain::suppressed(&s, &author, &environment))
                }
                ClaimDecision::Free if own_suppression => {
                    Some(super::retrain::suppressed(&held, &author, &environment))
                }
                ClaimDecision::Free => started.map(|d| (d, String::new())),
            };
            let draft = draft.map(|(d, message)| {
                *outcome = Some((decision.clone(), message));
                with_field(d, "claim", claim_json)
            });
            if draft.is_none() {
                *outcome = Some((decision, String::new()));
            }
            draft
        })?;
        let outcome = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        Ok::<_, String>((outcome, entry))
    })
    .await
    .map_err(|e| e.to_string())??;
    match decided {
        (Some((ClaimDecision::Claimed { by }, _)), _) => Ok(Claimed::Taken { by }),
        (Some((ClaimDecision::Free, _)), Some(entry)) if !own_suppression => Ok(Claimed::Act { started: entry }),
        (Some((_, message)), Some(entry)) => Ok(Claimed::Held { entry, message }),
        _ => Err("the claim was not recorded".into()),
    }
}
