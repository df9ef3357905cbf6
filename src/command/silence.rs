//! `ack` and `unack`: the console's acknowledge form and un-acknowledge confirmation, filled
//! in from a shell. `ack` silences what `alertname`, the model label and any `--matcher`
//! select, after asking Alertmanager which alerts those are; `unack` expires every silence
//! that mutes the model's alert, as `A` does in the console.

use clap::Args;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Acting, Plan, Shell, Stop, pairs};
use crate::app::{AckForm, Target, alerting_text, unack_confirm};
use crate::backends::alertmanager::silences::request_url;
use crate::domain::{Alert, Endpoint, Matcher};
use crate::sources::alertmanager::AlertmanagerSource;

#[derive(Debug, Args)]
pub struct AckArgs {
    /// The model (the value of its `[discovery] model_label` label).
    #[arg(long)]
    pub model: String,
    /// The alert's name (its `alertname` label).
    #[arg(long, value_name = "NAME")]
    pub alert: String,
    /// Another label the silence must match: `name=value`, or `name=~regex`; repeatable.
    #[arg(long = "matcher", value_name = "NAME=VALUE")]
    pub matchers: Vec<String>,
    /// How long: 1m to 30d, such as 90m or 4h (default: `[alerts] silence_duration`).
    #[arg(long = "for", value_name = "DURATION")]
    pub duration: Option<String>,
    /// Why: the silence's comment and the journal entry's note.
    #[arg(long)]
    pub comment: String,
    /// Create the silence even when every alert it selects is already silenced.
    #[arg(long)]
    pub anyway: bool,
    #[command(flatten)]
    pub acting: Acting,
}

#[derive(Debug, Args)]
pub struct UnackArgs {
    /// The model (the value of its `[discovery] model_label` label).
    #[arg(long)]
    pub model: String,
    /// The alert's name (its `alertname` label).
    #[arg(long, value_name = "NAME")]
    pub alert: String,
    #[command(flatten)]
    pub acting: Acting,
}

pub async fn ack(args: &AckArgs, shell: &Shell<'_>) -> Result<Plan, Stop> {
    let settings = &shell.app.settings;
    let label = settings.model_label.as_str();
    let mut matchers = vec![Matcher::equal("alertname", &args.alert), Matcher::equal(label, &args.model)];
    for (name, value) in pairs(&args.matchers, "--matcher")? {
        if name == "alertname" || name == label {
            return Err(Stop::usage(format!("--matcher {name}: give it with --alert or --model")));
        }
        matchers.push(match value.strip_prefix('~') {
            Some(regex) => Matcher { name, value: regex.to_string(), is_regex: true, is_equal: true },
            None => Matcher::equal(&name, &value),
        });
    }
    // Alertmanager's own answer for these matchers, as the console's form previews it.
    let selected =
        shell.ports().silences.preview(&matchers, label).await.map_err(|e| {
            Stop::refused(format!("cannot read the alerts these matchers select: {e}; nothing was sent"))
        })?;
    let what = format!("{} on {}", args.alert, args.model);
    let alert = match selected.iter().find(|a| a.silenced_by.is_empty()) {
        Some(alert) => alert.clone(),
        None if selected.is_empty() => {
            return Err(Stop::refused(format!("no alert matches ({what}): nothing to acknowledge")));
        }
        // As the console warns on an alert that is already silenced.
        None if !args.anyway => {
            let ids: Vec<&str> = selected.iter().flat_map(|a| &a.silenced_by).map(String::as_str).collect();
            return Err(Stop::refused(format!(
                "{what} is already silenced by {}: `modeldeck unack` expires them, --anyway adds another",
                ids.join(", ")
            )));
        }
        None => selected[0].clone(),
    };
    let duration = args.duration.clone().unwrap_or_else(|| settings.silence_duration.clone());
    let form = AckForm::with_matchers(alert.clone(), matchers, &duration, &args.comment);
    if let Some(problem) = form.problem() {
        return Err(Stop::usage(problem));
    }
    let request = form.request(Timestamp::now(), &settings.author).ok_or_else(|| Stop::usage("duration: too long"))?;
    let peers = &shell.config().environment(shell.app.environment).alertmanagers;
    let url = peers.first().map(|p| request_url(p, &["silences"])).unwrap_or_default();
    let target = Target {
        environment: shell.environment().name.clone(),
        model: alert.model.clone(),
        version: alert.labels.get(&settings.version_label).cloned(),
        alert: Some(alert.clone()),
    };
    let mut lines =
        vec![format!("POST {url}{}", fail_over(peers)), format!("on: {}", target.describe()), "matchers:".into()];
    lines.extend(request.matchers.iter().map(|m| format!("  {}", m.describe())));
    lines.push(format!("for:      {duration} (until {})", alerting_text::utc(request.ends_at)));
    lines.push(format!("by:       {}", request.created_by));
    lines.push(format!("comment:  {}", request.comment));
    lines.push(format!("body:     {}", request.body()));
    lines.push(format!("Would mute {} alert(s) (as Alertmanager answers for these matchers):", selected.len()));
    lines.extend(selected.iter().map(alert_line));
    let team = shell.app.team_context(&args.model);
    lines.extend(super::team_lines(&team, false, shell.app.now));
    let json = json!({
        "others": super::team_json(&team, shell.app.now),
        "request": { "method": "POST", "url": url, "body": request.body() },
        "peers": peers.iter().map(|p| p.url.as_str()).collect::<Vec<_>>(),
        "matchers": request.matchers.iter().map(Matcher::describe).collect::<Vec<_>>(),
        "ends_at": request.ends_at.to_string(),
        "selects": selected.iter().map(alert_json).collect::<Vec<_>>(),
    });
    let request = crate::domain::ActionRequest::CreateSilence { request, alert: Box::new(alert) };
    Ok(Plan { model: args.model.clone(), what: "acknowledging", lines, json, request, blocked: None })
}

pub async fn unack(args: &UnackArgs, shell: &Shell<'_>) -> Result<Plan, Stop> {
    let config = shell.config();
    let peers = &config.environment(shell.app.environment).alertmanagers;
    let label = &shell.app.settings.model_label;
    // The alerts and silences as the console's Alertmanager source reads them.
    let source = AlertmanagerSource::new(shell.client.clone(), peers.clone(), label, config.poll_budget);
    let snapshot = source
        .snapshot()
        .await
        .map_err(|e| Stop::refused(format!("cannot read the alerts from Alertmanager: {e}; nothing was sent")))?;
    let matching: Vec<Alert> = snapshot
        .alerts
        .into_iter()
        .filter(|a| a.name == args.alert && a.model.as_deref() == Some(args.model.as_str()))
        .map(std::sync::Arc::unwrap_or_clone)
        .collect();
    let what = format!("{} on {}", args.alert, args.model);
    if matching.is_empty() {
        return Err(Stop::refused(format!("no alert {what} is firing: nothing to un-acknowledge")));
    }
    let target = Target {
        environment: shell.environment().name.clone(),
        model: Some(args.model.clone()),
        version: None,
        alert: matching.first().cloned(),
    };
    let Some(confirm) = unack_confirm(target, &matching, &snapshot.silences) else {
        return Err(Stop::refused(format!("{what} is not silenced: nothing to un-acknowledge")));
    };
    let Some(request) = confirm.request else { return Err(Stop::refused("nothing to expire")) };
    let ids = match &request {
        crate::domain::ActionRequest::ExpireSilences { ids, .. } => ids.clone(),
        _ => Vec::new(),
    };
    let urls: Vec<String> = match peers.first() {
        Some(peer) => ids.iter().map(|id| request_url(peer, &["silence", id])).collect(),
        None => Vec::new(),
    };
    let mut lines = vec![format!("on: {}", confirm.target.describe())];
    lines.extend(confirm.lines);
    lines.extend(urls.iter().map(|url| format!("DELETE {url}{}", fail_over(peers))));
    lines.push(format!("Selected ({} alert(s) named so):", matching.len()));
    lines.extend(matching.iter().map(alert_line));
    let silences: Vec<Value> = snapshot
        .silences
        .iter()
        .filter(|s| ids.contains(&s.id))
        .map(|s| {
            json!({
                "id": s.id, "created_by": s.created_by, "comment": s.comment, "ends_at": s.ends_at.to_string(),
                "matchers": s.matchers.iter().map(Matcher::describe).collect::<Vec<_>>(),
            })
        })
        .collect();
    let json = json!({
        "requests": urls.iter().map(|url| json!({ "method": "DELETE", "url": url })).collect::<Vec<_>>(),
        "silences": silences,
        "selects": matching.iter().map(alert_json).collect::<Vec<_>>(),
    });
    Ok(Plan { model: args.model.clone(), what: "un-acknowledging", lines, json, request, blocked: None })
}

/// Where a write goes when the first Alertmanager cannot have applied it.
fn fail_over(peers: &[Endpoint]) -> String {
    match peers.get(1..) {
        Some(rest) if !rest.is_empty() => {
            let rest: Vec<&str> = rest.iter().map(|p| p.url.as_str()).collect();
            format!("  (the next of {} only if this one cannot have applied it)", rest.join(", "))
        }
        _ => String::new(),
    }
}

fn alert_line(a: &Alert) -> String {
    let silenced =
        if a.silenced_by.is_empty() { String::new() } else { format!(" silenced by {}", a.silenced_by.join(", ")) };
    format!(
        "  {} {} {} [{}] {}{silenced}",
        a.severity.label(),
        a.name,
        a.model.as_deref().unwrap_or("–"),
        a.state.label(),
        a.fingerprint
    )
}

fn alert_json(a: &Alert) -> Value {
    json!({
        "name": a.name, "model": a.model, "severity": a.severity.label(), "state": a.state.label(),
        "fingerprint": a.fingerprint, "silenced_by": a.silenced_by, "labels": a.labels,
    })
}
