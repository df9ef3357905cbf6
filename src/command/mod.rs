//! `modeldeck ack | unack | rollback | retrain`: the console's actions from a shell.
//!
//! Each command reads what it needs (the alerts a silence would mute, the registry's
//! versions, the pipeline's parameters), fills in the console's own form, and prints the
//! plan: the exact request or command and what it selects. It acts only with `--yes`, and in
//! a production environment only with `--confirm-model` naming the model, as the console
//! makes the operator type it. The request, the validation gate, the read-only refusal, the
//! send-once rules and the journal entry are the console's: the form's own checks, then the
//! same action runner, marked `"via": "cli"` in the entry's request.

mod act;
mod output;
mod retrain;
mod rollback;
mod silence;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, eyre};
use jiff::Timestamp;
use serde_json::Value;

use crate::actions::run::ActionContext;
use crate::app::{App, EnvironmentInfo, Settings};
use crate::cli::Prepared;
use crate::domain::{ActionOutcome, ActionRequest, Redactor};
use crate::journal::Journal;
use crate::runtime::backends::{Backends, EnvironmentBackends};

/// The journal marks requests from these commands with `"via": "cli"`.
pub const VIA: &str = "cli";

/// The exit statuses, as `--help` and the README give them.
pub const EXIT_CODES: &str = "Exit status: 0 done (or --dry-run); 1 failed, or refused (read-only, the validation \
gate, nothing to act on); 2 usage or config error, or --yes or --confirm-model missing: nothing was sent; 3 the \
outcome is unknown (a request went out and its answer was lost): check before trying again.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Done = 0,
    Failed = 1,
    Usage = 2,
    Unknown = 3,
}

impl Exit {
    fn of(outcome: ActionOutcome) -> Exit {
        match outcome {
            ActionOutcome::Ok => Exit::Done,
            ActionOutcome::Failed => Exit::Failed,
            ActionOutcome::Unknown => Exit::Unknown,
        }
    }
}

/// Why a command stops before sending anything.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    pub exit: Exit,
    pub message: String,
}

impl Stop {
    pub fn usage(message: impl Into<String>) -> Stop {
        Stop { exit: Exit::Usage, message: message.into() }
    }

    pub fn refused(message: impl Into<String>) -> Stop {
        Stop { exit: Exit::Failed, message: message.into() }
    }
}

/// What a command would do, before it is done.
pub struct Plan {
    /// The model it is about: `--confirm-model` must name it in production.
    pub model: String,
    /// What the read-only refusal calls it, in the console's words.
    pub what: &'static str,
    /// For people: the request or command and what it selects, raw (printing makes it inert).
    pub lines: Vec<String>,
    /// The same for machines.
    pub json: Value,
    pub request: ActionRequest,
    /// What the console's form would not let through, as given.
    pub blocked: Option<Stop>,
}

/// The options every action takes besides its own.
#[derive(Debug, Args)]
pub struct Acting {
    /// Do it. Without it the plan is printed and nothing is sent (exit 2).
    #[arg(long)]
    pub yes: bool,
    /// Print the plan and exit 0; nothing is sent.
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
    /// In a production environment: the model's name again, as the console makes you type it.
    #[arg(long, value_name = "MODEL")]
    pub confirm_model: Option<String>,
    /// One JSON document: the plan, the result (ok, failed, unknown, refused, dry_run) and
    /// the journal entry's hash.
    #[arg(long)]
    pub json: bool,
    /// Roll back or retrain although another operator's rollback or retraining of the
    /// model is in flight (the console's Ctrl-o); the override is journaled.
    #[arg(long)]
    pub take_over: bool,
}

#[derive(Debug, Subcommand)]
pub enum ActCmd {
    /// Acknowledge a model's alert: create an Alertmanager silence.
    #[command(after_help = EXIT_CODES)]
    Ack(silence::AckArgs),
    /// Un-acknowledge: expire every silence that mutes the model's alert.
    #[command(after_help = EXIT_CODES)]
    Unack(silence::UnackArgs),
    /// Roll a model back to an earlier version through the configured backend.
    #[command(after_help = EXIT_CODES)]
    Rollback(rollback::RollbackArgs),
    /// Trigger the model's retraining pipeline.
    #[command(after_help = EXIT_CODES)]
    Retrain(retrain::RetrainArgs),
}

impl ActCmd {
    fn acting(&self) -> &Acting {
        match self {
            ActCmd::Ack(a) => &a.acting,
            ActCmd::Unack(a) => &a.acting,
            ActCmd::Rollback(a) => &a.acting,
            ActCmd::Retrain(a) => &a.acting,
        }
    }

    fn model(&self) -> &str {
        match self {
            ActCmd::Ack(a) => &a.model,
            ActCmd::Unack(a) => &a.model,
            ActCmd::Rollback(a) => &a.model,
            ActCmd::Retrain(a) => &a.model,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            ActCmd::Ack(_) => "ack",
            ActCmd::Unack(_) => "unack",
            ActCmd::Rollback(_) => "rollback",
            ActCmd::Retrain(_) => "retrain",
        }
    }
}

/// What a command works with: the console's settings for the chosen environment (author,
/// read-only, production, retraining targets) and its live backends.
pub struct Shell<'a> {
    pub prepared: &'a Prepared,
    pub app: App,
    pub backends: Backends,
    /// What the backends reach the servers through, for the reads they do not cover.
    pub client: reqwest::Client,
    pub redactor: Redactor,
}

impl Shell<'_> {
    pub fn environment(&self) -> &EnvironmentInfo {
        self.app.environment_info()
    }

    pub fn ports(&self) -> &EnvironmentBackends {
        self.backends.environment(self.app.environment)
    }

    pub fn config(&self) -> &crate::config::Config {
        &self.prepared.config
    }
}

/// Runs one action command; `journal` is the run's journal, or why it cannot be opened.
pub async fn run(
    cmd: ActCmd,
    prepared: &Prepared,
    read_only: bool,
    demo: bool,
    journal: Result<Arc<Journal>, String>,
) -> Result<ExitCode> {
    let out = output::Output::new(cmd.name(), cmd.model(), cmd.acting().json);
    if demo {
        let stop = Stop::usage("the simulated fleet lives in the console only: run `modeldeck --demo` and act there");
        return Ok(out.stopped(None, &stop));
    }
    let settings = Settings::from_config(&prepared.config, prepared.keymap.clone(), false, read_only);
    let mut app = App::new(settings, prepared.environment, Timestamp::now());
    // What others did and are doing, for the plan, as a console's confirmation shows it.
    if let Ok(journal) = &journal {
        let journal = journal.clone();
        if let Ok(Ok(entries)) = tokio::task::spawn_blocking(move || journal.read_all()).await {
            app.journal.load(entries);
        }
    }
    let client =
        crate::backends::http::client_with(prepared.config.timeout, &prepared.config.tls).map_err(|e| eyre!(e))?;
    let backends = Backends::live(&prepared.config, &client);
    let redactor = Redactor::new(prepared.config.secrets());
    let shell = Shell { prepared, app, backends, client, redactor };
    let out = out.environment(shell.environment());
    let acting = cmd.acting();
    let planned = match &cmd {
        ActCmd::Ack(args) => silence::ack(args, &shell).await,
        ActCmd::Unack(args) => silence::unack(args, &shell).await,
        ActCmd::Rollback(args) => rollback::plan(args, &shell).await,
        ActCmd::Retrain(args) => retrain::plan(args, &shell),
    };
    let plan = match planned {
        Ok(plan) => plan,
        Err(stop) => return Ok(out.stopped(None, &shell.redacted(stop))),
    };
    let plan = shell.redacted_plan(plan);
    out.plan(&plan);
    if let Some(stop) = &plan.blocked {
        return Ok(out.stopped(Some(&plan), stop));
    }
    if shell.app.read_only() {
        return Ok(out.stopped(Some(&plan), &Stop::refused(crate::domain::read_only_refusal(plan.what))));
    }
    if acting.dry_run {
        return Ok(out.dry_run(&plan));
    }
    if shell.environment().production
        && !acting.confirm_model.as_deref().is_some_and(|typed| crate::domain::confirms_model(&plan.model, typed))
    {
        let stop = Stop::usage(format!(
            "{} is a production environment: add --confirm-model {} to go on; nothing was sent",
            shell.environment().name,
            plan.model
        ));
        return Ok(out.stopped(Some(&plan), &stop));
    }
    if !acting.yes {
        return Ok(out.stopped(Some(&plan), &Stop::usage("nothing was sent: add --yes to do it")));
    }
    // Every change is journaled: without a journal nothing is sent.
    let journal = match journal {
        Ok(journal) => journal,
        Err(e) => return Ok(out.stopped(Some(&plan), &Stop::usage(format!("the journal cannot be opened: {e}")))),
    };
    let ctx = shell.action_context(journal);
    let report = act::act(plan.request.clone(), ctx).await;
    Ok(out.finished(&plan, &report))
}

/// The plan's lines about other operators: actions in flight on the model (and whether
/// this one takes them over), then recent ones.
pub(super) fn team_lines(team: &crate::domain::team::TeamContext, taking_over: bool, now: Timestamp) -> Vec<String> {
    let mut lines: Vec<String> = team
        .in_flight
        .iter()
        .map(|other| {
            let what = if taking_over { "TAKEN OVER (--take-over, journaled)" } else { "--take-over acts anyway" };
            format!("in flight   {} — {what}", other.describe(now))
        })
        .collect();
    if !team.recent.is_empty() {
        lines.push("recent on this model:".into());
        lines.extend(team.recent.iter().map(|r| format!("  {r}")));
    }
    lines
}

/// The same, for `--json`.
pub(super) fn team_json(team: &crate::domain::team::TeamContext, now: Timestamp) -> serde_json::Value {
    let in_flight: Vec<String> = team.in_flight.iter().map(|f| f.describe(now)).collect();
    serde_json::json!({ "in_flight": in_flight, "recent": team.recent })
}

impl Shell<'_> {
    fn action_context(&self, journal: Arc<Journal>) -> ActionContext {
        let ports = self.ports();
        ActionContext {
            silences: ports.silences.clone(),
            registry: ports.registry.clone(),
            pipelines: self.backends.pipelines.clone(),
            journal: Some(journal),
            author: self.app.settings.author.clone(),
            environment: self.environment().name.clone(),
            read_only: self.app.read_only(),
        }
    }

    /// What a server said may hold the run's credentials: masked before it is printed.
    fn redacted(&self, stop: Stop) -> Stop {
        Stop { message: self.redactor.text(&stop.message), ..stop }
    }

    fn redacted_plan(&self, plan: Plan) -> Plan {
        Plan {
            lines: plan.lines.iter().map(|l| self.redactor.text(l)).collect(),
            json: self.redactor.value(plan.json),
            blocked: plan.blocked.map(|s| self.redacted(s)),
            ..plan
        }
    }
}

/// `name=value` pairs from the command line; `what` names the option in errors.
pub fn pairs(given: &[String], what: &str) -> Result<Vec<(String, String)>, Stop> {
    given
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.to_string())),
            _ => Err(Stop::usage(format!("{what} `{pair}`: expected NAME=VALUE"))),
        })
        .collect()
}
