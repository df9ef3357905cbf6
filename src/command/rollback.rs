//! `rollback`: the registry's versions read as the versions screen reads them, the console's
//! plan and validation gate, and its confirmation form filled in from the command line.

use clap::Args;
use serde_json::json;

use super::{Acting, Plan, Shell, Stop};
use crate::app::{RollbackBlocker, RollbackForm, rollback_plan};
use crate::domain::ActionRequest;

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The model, as the registry or the `[[model]]` block names it.
    #[arg(long)]
    pub model: String,
    /// The version to roll back to.
    #[arg(long, value_name = "VERSION")]
    pub to: String,
    /// Why: the change note, journaled (and mirrored onto the version where configured).
    #[arg(long)]
    pub note: String,
    /// Roll back to a target that is not validated, where `[governance] allow_override =
    /// true` permits it; the entry says so.
    #[arg(long)]
    pub override_validation: bool,
    #[command(flatten)]
    pub acting: Acting,
}

pub async fn plan(args: &RollbackArgs, shell: &Shell<'_>) -> Result<Plan, Stop> {
    let environment = shell.environment();
    let snapshot = shell
        .ports()
        .registry
        .load(&args.model)
        .await
        .map_err(|e| Stop::refused(format!("cannot read the versions of {}: {e}; nothing was sent", args.model)))?;
    let plan = rollback_plan(&snapshot, &args.model, Some(&args.to), &environment.name).map_err(Stop::refused)?;
    let mut form = RollbackForm::new(environment, None, plan);
    form.team = shell.app.team_context(&args.model);
    if args.acting.take_over {
        form.plan.take_over = form.team.in_flight.first().cloned();
    }
    form.plan.note = args.note.clone();
    form.confirm = args.acting.confirm_model.clone().unwrap_or_default();
    // As Ctrl-o in the form: only for a target that needs it, where the config allows it.
    if args.override_validation && !form.plan.validated && form.plan.spec.allow_override {
        form.plan.override_validation = true;
    }
    // The production confirmation is checked with the others' (`--confirm-model`), after
    // `--dry-run`.
    let blocked = form.blockers().into_iter().find(|b| *b != RollbackBlocker::Unconfirmed).map(|b| match b {
        RollbackBlocker::Unvalidated => Stop::refused(format!(
            "version {} is not validated: --override-validation rolls back anyway (journaled)",
            form.plan.target
        )),
        RollbackBlocker::InFlight => Stop::refused(format!(
            "another operator's action on {} is in flight: --take-over acts anyway (journaled); nothing was sent",
            form.plan.model
        )),
        other => Stop::usage(other.text(&form.plan.model)),
    });
    let plan = form.plan();
    let validation = plan.validation.as_deref().unwrap_or("no tag");
    let status = match (plan.validated, plan.override_validation) {
        (true, _) => format!("{validation} (validated)"),
        (false, true) => format!("{validation} — NOT validated, OVERRIDDEN (journaled)"),
        (false, false) => format!("{validation} — NOT validated"),
    };
    let mut lines = vec![
        format!("model       {}", plan.model),
        format!("version     {} → {}", plan.current.as_deref().unwrap_or("unknown"), plan.target),
        format!("backend     {}", plan.spec.label()),
        format!("validation  {status}"),
        format!(
            "trained on  {}",
            if plan.target_data.is_empty() { "unknown".into() } else { plan.target_data.join(", ") }
        ),
        "will run:".into(),
    ];
    lines.extend(plan.request.iter().map(|step| format!("  {step}")));
    lines.extend(super::team_lines(&form.team, plan.take_over.is_some(), shell.app.now));
    lines.push(format!("change note (by {}): {}", shell.app.settings.author, plan.note));
    lines.extend(snapshot.warnings.iter().map(|w| format!("warning: {w}")));
    let json = json!({
        "model": plan.model,
        "current": plan.current,
        "target": plan.target,
        "backend": plan.spec.label(),
        "validation": plan.validation,
        "validated": plan.validated,
        "validation_override": plan.override_validation,
        "target_data": plan.target_data,
        "steps": plan.request,
        "request": plan.request_json(),
        "note": plan.note,
        "warnings": snapshot.warnings,
        "others": super::team_json(&form.team, shell.app.now),
    });
    let model = plan.model.clone();
    Ok(Plan { model, what: "rollback", lines, json, request: ActionRequest::Rollback(Box::new(plan)), blocked })
}
