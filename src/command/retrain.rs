//! `retrain`: the model's configured pipeline, the console's retraining form with the
//! parameters given on the command line, and the exact request the confirmation shows.

use clap::Args;
use jiff::Timestamp;
use serde_json::json;

use super::{Acting, Plan, Shell, Stop, pairs};
use crate::app::{RetrainBlocker, RetrainForm, Target};
use crate::backends::pipelines;
use crate::domain::ActionRequest;

#[derive(Debug, Args)]
pub struct RetrainArgs {
    /// The model whose `[[model]] retrain` pipeline is triggered.
    #[arg(long)]
    pub model: String,
    /// A pipeline parameter, `name=value`, instead of its configured default; repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Why: journaled, and passed on where the pipeline takes a note.
    #[arg(long)]
    pub note: String,
    #[command(flatten)]
    pub acting: Acting,
}

pub fn plan(args: &RetrainArgs, shell: &Shell<'_>) -> Result<Plan, Stop> {
    let settings = &shell.app.settings;
    let environment = shell.environment();
    let Some(pipeline) = settings.retrain.for_model(&args.model).cloned() else {
        return Err(Stop::refused(format!("no retraining is configured for {}", args.model)));
    };
    let target =
        Target { environment: environment.name.clone(), model: Some(args.model.clone()), version: None, alert: None };
    let mut form = RetrainForm::new(target, pipeline, environment, &settings.author, Timestamp::now())
        .ok_or_else(|| Stop::usage("no model given"))?;
    for (name, value) in pairs(&args.params, "--param")? {
        let names: Vec<String> = form.request.params.iter().map(|p| p.name.clone()).collect();
        match form.request.params.iter_mut().find(|p| p.name == name) {
            Some(param) => param.value = value,
            // The form edits the configured parameters; it does not add any.
            None => {
                return Err(Stop::usage(format!(
                    "{} has no parameter `{name}` (it has: {})",
                    form.request.target.label,
                    if names.is_empty() { "none".into() } else { names.join(", ") }
                )));
            }
        }
    }
    form.team = shell.app.team_context(&args.model);
    if args.acting.take_over {
        form.take_over = form.team.in_flight.first().cloned();
    }
    form.request.note = args.note.clone();
    form.confirm = args.acting.confirm_model.clone().unwrap_or_default();
    // The production confirmation is checked with the others' (`--confirm-model`), after
    // `--dry-run`.
    let blocked = form.blockers().into_iter().find(|b| *b != RetrainBlocker::Unconfirmed).map(|b| match b {
        RetrainBlocker::InFlight => Stop::refused(format!(
            "another operator's action on {} is in flight: --take-over acts anyway (journaled); nothing was sent",
            form.request.model
        )),
        other => Stop::usage(other.text(&form.request.model)),
    });
    let order = form.order();
    let request = &order.request;
    let mut lines = vec![
        format!("model         {}", request.model),
        format!("target        {}", request.target.label),
        format!("note          {} (by {})", request.note, request.author),
        "parameters:".into(),
    ];
    lines.extend(request.params.iter().map(|p| format!("  {} = {}", p.name, p.value)));
    if request.params.is_empty() {
        lines.push("  none".into());
    }
    lines.push("will send:".into());
    lines.extend(pipelines::describe(request).lines().map(|l| format!("  {l}")));
    lines.extend(super::team_lines(&form.team, order.take_over.is_some(), shell.app.now));
    lines.push("It is sent once and journaled with the run id or the error.".into());
    let json = json!({
        "model": request.model,
        "target": request.target.name,
        "backend": request.target.label,
        "note": request.note,
        "request": crate::actions::retrain::journal_request(&order),
        "others": super::team_json(&form.team, shell.app.now),
    });
    let model = request.model.clone();
    Ok(Plan { model, what: "retraining", lines, json, request: ActionRequest::Retrain(Box::new(order)), blocked })
}
