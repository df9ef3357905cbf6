//! A local command as the retraining trigger (a wrapper script around `kubectl`, `gh` or an
//! in-house CLI). The argv template is rendered element by element and run without a
//! shell, so a note such as `; rm -rf x` or `$(id)` arrives as one literal argument.

use crate::domain::Command;
use std::time::Duration;

use super::{TriggerError, Triggered, Values};
use crate::backends::hook;
use crate::domain::duration;
use crate::domain::sanitize;

/// The longest command output kept for the operator; the end says most about a failure.
const OUTPUT_TAIL: usize = 400;

/// A rendered command, ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub argv: Vec<String>,
    pub timeout: Duration,
}

impl Invocation {
    pub fn describe(&self) -> String {
        format!("run {}\n(no shell; stopped after {})", hook::display(&self.argv), duration::format(self.timeout))
    }
}

pub fn build(target: &Command, values: &Values) -> Result<Invocation, String> {
    let argv = values.argv(&target.argv)?;
    if argv.first().is_none_or(|program| program.trim().is_empty()) {
        return Err("the command is empty".into());
    }
    Ok(Invocation { argv, timeout: target.timeout })
}

pub async fn run(invocation: &Invocation) -> Result<Triggered, TriggerError> {
    let run = hook::run(&invocation.argv, invocation.timeout)
        .await
        .map_err(|message| TriggerError { message: sanitize::clean(&message), unknown: false })?;
    let output = tail(&run.output);
    let detail = if output.is_empty() { run.summary() } else { format!("{}: {output}", run.summary()) };
    if run.ok() {
        return Ok(Triggered { run_id: None, url: None, pollable: false, detail });
    }
    // A command stopped at its time limit may already have started the pipeline.
    Err(TriggerError { message: detail, unknown: run.timed_out })
}

/// The last few hundred characters of the output, on one sanitised line.
fn tail(output: &str) -> String {
    let words = output.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = words.chars().count();
    let cut: String = words.chars().skip(count.saturating_sub(OUTPUT_TAIL)).collect();
    let cut = if count > OUTPUT_TAIL { format!("…{cut}") } else { cut };
    sanitize::clean(&cut)
}
