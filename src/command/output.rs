//! What an action command prints: the plan and the outcome for people (outside text made
//! inert), or one JSON document for machines (values raw, control characters escaped), and
//! the exit status.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{Value, json};

use super::{Exit, Plan, Stop};
use crate::app::EnvironmentInfo;
use crate::domain::ActionReport;
use crate::domain::sanitize::{inert_text, json_text};

/// The version of the JSON document's shape.
pub const SCHEMA_VERSION: u32 = 1;

pub struct Output {
    command: &'static str,
    model: String,
    json: bool,
    environment: Option<EnvironmentInfo>,
}

impl Output {
    pub fn new(command: &'static str, model: &str, json: bool) -> Output {
        Output { command, model: model.to_string(), json, environment: None }
    }

    pub fn environment(self, environment: &EnvironmentInfo) -> Output {
        Output { environment: Some(environment.clone()), ..self }
    }

    /// The plan, for people; the JSON document carries it at the end.
    pub fn plan(&self, plan: &Plan) {
        if self.json {
            return;
        }
        let mut text = String::new();
        if let Some(env) = &self.environment {
            let production = if env.production { "  (PRODUCTION)" } else { "" };
            text += &format!("environment {}{production}\n", env.name);
        }
        for line in &plan.lines {
            text += line;
            text.push('\n');
        }
        say_out(&inert_text(&text));
    }

    /// Nothing was sent: why, and the status that says so.
    pub fn stopped(&self, plan: Option<&Plan>, stop: &Stop) -> ExitCode {
        say_err(&format!("modeldeck: {}\n", inert_text(&stop.message)));
        if self.json {
            self.document(plan, "refused", &stop.message, stop.exit, None);
        }
        ExitCode::from(stop.exit as u8)
    }

    pub fn dry_run(&self, plan: &Plan) -> ExitCode {
        let message = "dry run: nothing was sent";
        if self.json {
            self.document(Some(plan), "dry_run", message, Exit::Done, None);
        } else {
            say_out(&format!("{message}\n"));
        }
        ExitCode::SUCCESS
    }

    /// What the action runner reported, and its journal entry.
    pub fn finished(&self, plan: &Plan, report: &ActionReport) -> ExitCode {
        let exit = Exit::of(report.outcome);
        let result = match exit {
            Exit::Done => "ok",
            Exit::Unknown => "unknown",
            _ => "failed",
        };
        let entry = report.entry.as_ref().map(|e| json!({ "seq": e.seq, "id": e.id, "hash": e.hash }));
        if self.json {
            self.document(Some(plan), result, &report.message, exit, entry);
        } else {
            let mut text = format!("{result}: {}\n", report.message);
            if let Some(e) = &report.entry {
                text += &format!("journal entry {} ({}) hash {}\n", e.seq, e.id, e.hash);
            }
            say_out(&inert_text(&text));
        }
        ExitCode::from(exit as u8)
    }

    fn document(&self, plan: Option<&Plan>, result: &str, message: &str, exit: Exit, journal: Option<Value>) {
        let document = json!({
            "schema_version": SCHEMA_VERSION,
            "command": self.command,
            "environment": self.environment.as_ref().map(|e| &e.name),
            "production": self.environment.as_ref().map(|e| e.production),
            "model": self.model,
            "plan": plan.map(|p| &p.json),
            "result": result,
            "message": message,
            "exit_code": exit as u8,
            "journal": journal,
        });
        let text = serde_json::to_string_pretty(&document).unwrap_or_default();
        say_out(&format!("{}\n", json_text(&text)));
    }
}

/// Not println!: a closed pipe must not panic (`modeldeck ack … | head -1`).
fn say_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

fn say_err(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}
