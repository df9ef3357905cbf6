//! The plan as a commented config file, and as the summary `modeldeck init` prints. Names
//! read from Prometheus are shown in comments only after control characters are taken out,
//! so a hostile name cannot end a comment line and write a key.

use crate::config::detail::DriftKind;
use crate::domain::{ColumnId, Direction};

use super::plan::{Column, Plan};

/// Where the environment's servers are, as given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Servers {
    pub name: String,
    pub prometheus: String,
    pub alertmanagers: Vec<String>,
    pub registry: Option<String>,
}

/// A TOML string literal for any text.
fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|i| string(i)).collect::<Vec<_>>().join(", "))
}

/// Text safe inside a comment line.
fn inert(s: &str) -> String {
    s.chars().map(|c| if c.is_control() || crate::domain::sanitize::is_unsafe(c) { '?' } else { c }).collect()
}

/// A comment at `indent`, wrapped at 92 columns between words; continuation lines are
/// indented two more.
fn comment(out: &mut Vec<String>, indent: &str, text: &str) {
    const WIDTH: usize = 92;
    let head = format!("#{indent} ");
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in inert(text).split_whitespace() {
        let width = head.chars().count() + 2 + line.chars().count() + 1 + word.chars().count();
        if !line.is_empty() && width > WIDTH {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    for (n, line) in lines.iter().enumerate() {
        out.push(format!("{head}{}{line}", if n == 0 { "" } else { "  " }));
    }
}

/// The first `shown` names, and how many more there are.
fn shortened(names: &[String], shown: usize) -> String {
    let more = names.len().saturating_sub(shown);
    let listed = names.iter().take(shown).map(String::as_str).collect::<Vec<_>>().join(", ");
    if more > 0 { format!("{listed} and {more} more") } else { listed }
}

/// What each column looks for, said when nothing feeds it.
fn looked_for(id: ColumnId) -> &'static str {
    match id {
        ColumnId::Version => "a version label on a known server's counters or on the accuracy gauge",
        ColumnId::Accuracy | ColumnId::Trend => "model_accuracy or model_eval_accuracy",
        ColumnId::Drift => "model_drift_score or _psi, TrustyAI drift tests, seldon_model_drift",
        ColumnId::LatencyP95 => "a known server's latency histogram or _sum/_count",
        ColumnId::Throughput => "a known server's request counter",
        ColumnId::ErrorRate => "a known server's failure counter or status codes",
        ColumnId::Gpu => "DCGM_FI_DEV_GPU_UTIL with a pod or container label",
        ColumnId::Cpu | ColumnId::Memory => "process_* with the model label, or cAdvisor and kube_pod_labels",
        ColumnId::Throttled => "container_cpu_cfs_* and kube_pod_labels",
        ColumnId::CpuLimit | ColumnId::MemoryLimit => "kube_pod_container_resource_limits and kube_pod_labels",
    }
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::HigherIsBetter => "higher_is_better",
        Direction::LowerIsBetter => "lower_is_better",
        Direction::None => "none",
    }
}

fn number(v: f64) -> String {
    toml::Value::Float(v).to_string()
}

/// TrustyAI's fairness metrics as columns, ready to replace the accuracy column's keys.
/// Neither reads as "higher is worse" raw: parity is SPD = 0 and DIR = 1, and bias either
/// way is unfair. So SPD shows as |SPD| (TrustyAI's default fairness bound is 0.1) and DIR
/// as min(DIR, 1/DIR) (the four-fifths rule: below 0.8 is unfair).
pub fn fairness(names: &[String]) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    if names.iter().any(|n| n == "trustyai_spd") {
        blocks.push(vec![
            "title = \"|SPD|\"".into(),
            format!("query = {}", string("max by ({model_label}) (abs(trustyai_spd))")),
            "direction = \"lower_is_better\"".into(),
            "warn = 0.05".into(),
            "critical = 0.1".into(),
        ]);
    }
    if names.iter().any(|n| n == "trustyai_dir") {
        blocks.push(vec![
            "title = \"DIR\"".into(),
            format!("query = {}", string("min by ({model_label}) ((trustyai_dir * 1 <= 1) or (1 / trustyai_dir))")),
            "direction = \"higher_is_better\"".into(),
            "warn = 0.9".into(),
            "critical = 0.8".into(),
        ]);
    }
    blocks
}

pub fn config(plan: &Plan, servers: &Servers) -> String {
    let mut out = Vec::<String>::new();
    out.push(format!("# modeldeck configuration, written by `modeldeck init` from {}.", inert(&servers.prometheus)));
    out.push("# Each column names the preset it came from; config.example.toml explains every key.".into());
    out.push("#".into());
    out.push("# Found:".into());
    if plan.found.is_empty() {
        out.push("#   no exporter modeldeck knows".into());
    }
    for c in &plan.found {
        comment(&mut out, "  ", &format!("{}: {}", c.preset.name(), c.found.join(", ")));
    }
    if !plan.notes.is_empty() || !plan.unmatched.is_empty() {
        out.push("# Not matched:".into());
        for note in &plan.notes {
            comment(&mut out, "  ", note);
        }
        if !plan.unmatched.is_empty() {
            comment(&mut out, "  ", &format!("no preset reads: {}", shortened(&plan.unmatched, 40)));
        }
    }
    out.push(String::new());
    out.push("# The labels that name models and versions in the queries below; a preset whose series".into());
    out.push("# use other labels has them copied onto these (label_replace).".into());
    out.push("[discovery]".into());
    out.push(format!("model_label = {}", string(&plan.fleet.model_label)));
    out.push(format!("version_label = {}", string(&plan.fleet.version_label)));
    if let Some(gpu) = &plan.gpu_label {
        out.push("# The DCGM label whose value is the model name (DCGM exporter).".into());
        out.push(format!("gpu_label = {}", string(gpu)));
    }
    out.push(String::new());
    out.push("# The model screen's charts. Keys left out keep their defaults.".into());
    out.push("[detail]".into());
    for (key, names) in [("quality", &plan.quality), ("data_quality", &plan.data_quality)] {
        if names.is_empty() {
            out.push(format!("# {key}: no such metric found; the default stays."));
        } else {
            out.push(format!("{key} = {}", list(names)));
        }
    }
    out.push(String::new());
    if plan.drift_metrics.is_empty() {
        out.push(
            "# [detail.drift]: no drift metric found; the default (distances and TrustyAI p-values) stays.".into(),
        );
    } else {
        let kind = match plan.drift_kind {
            Some(DriftKind::Distance) => Some(("distance", "a distance: higher is worse")),
            Some(DriftKind::PValue) => Some(("p_value", "p-values: lower is worse")),
            None => None,
        };
        match kind {
            Some((_, says)) => out.push(format!("# Drift per feature; {says}.")),
            None => {
                out.push("# Drift per feature. Distances and p-values both: the panel charts one score".into());
                out.push("# (p-values mapped onto the distance scale), as the DRIFT column does.".into());
            }
        }
        out.push("[detail.drift]".into());
        out.push(format!("metric = {}", list(&plan.drift_metrics)));
        if let Some((kind, _)) = kind {
            out.push(format!("kind = \"{kind}\""));
        }
    }
    out.push(String::new());
    out.push("[[environment]]".into());
    out.push(format!("name = {}", string(&servers.name)));
    out.push(format!("alertmanagers = {}", list(&servers.alertmanagers)));
    out.push(String::new());
    out.push("[environment.prometheus]".into());
    out.push(format!("url = {}", string(&servers.prometheus)));
    if let Some(registry) = &servers.registry {
        out.push(String::new());
        out.push("# The MLflow registry: the versions screen (v) and rollbacks.".into());
        out.push("[environment.registry]".into());
        out.push(format!("url = {}", string(registry)));
    }
    out.push(String::new());
    out.push("# Fleet columns: each one query for the whole fleet, by model.".into());
    for column in &plan.columns {
        out.push(String::new());
        out_column(&mut out, column, plan);
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

fn out_column(out: &mut Vec<String>, column: &Column, plan: &Plan) {
    out.push(format!("[fleet.columns.{}]", column.id.key()));
    match &column.query {
        None => {
            comment(out, "", &format!("Nothing found for this column (looked for {}).", looked_for(column.id)));
            out.push("enabled = false".into());
        }
        Some(query) => {
            for line in &column.from {
                comment(out, "", &format!("From {line}."));
            }
            if column.id == ColumnId::Drift && column.from.len() > 1 {
                out.push("# P-values are scored onto the distance scale (p 0.1 reads 0.1, p 0.05 reads 0.25).".into());
            }
            out.push(format!("title = {}", string(&column.title)));
            out.push(format!("query = {}", string(query)));
            out.push(format!("direction = \"{}\"", direction(column.direction)));
            if column.direction != Direction::None {
                for (key, value) in [("warn", column.warn), ("critical", column.critical)] {
                    if let Some(v) = value {
                        out.push(format!("{key} = {}", number(v)));
                    }
                }
            }
            if column.id == ColumnId::Trend {
                out.push("range = \"1h\"".into());
            }
        }
    }
    if column.id == ColumnId::Accuracy {
        let blocks = fairness(&plan.fairness);
        if !blocks.is_empty() {
            out.push("# TrustyAI fairness has no column of its own. To watch it here instead, replace".into());
            out.push("# the keys above with one block below. Parity is SPD 0 and DIR 1, and bias either".into());
            out.push("# way is unfair: |SPD| is worse above TrustyAI's bound 0.1; min(DIR, 1/DIR) is worse".into());
            out.push("# below 0.8 (the four-fifths rule).".into());
            for block in blocks {
                out.push("#".into());
                out.extend(block.iter().map(|line| format!("# {line}")));
            }
        }
    }
}

/// The summary printed after a run: what was found, each column's source, what was not
/// matched.
pub fn report(plan: &Plan, names: usize, servers: &Servers) -> String {
    let clean = crate::domain::sanitize::clean;
    let mut out = format!("read {names} metric names from {}\n", clean(&servers.prometheus));
    if servers.alertmanagers.is_empty() {
        out += "no --alertmanager given: the console shows no alerts, and `status` reports none configured\n";
    }
    out += "found:\n";
    if plan.found.is_empty() {
        out += "  no exporter modeldeck knows\n";
    }
    for c in &plan.found {
        let labels = match &c.labels {
            Some(l) => format!(
                " (models by `{}`{})",
                l.model,
                l.version.as_ref().map_or(String::new(), |v| format!(", versions by `{v}`"))
            ),
            None => String::new(),
        };
        out += &format!("  {:<24} {}{labels}\n", c.preset.name(), clean(&c.found.join(", ")));
    }
    out += "columns:\n";
    for column in &plan.columns {
        let source = if column.from.is_empty() {
            format!("– nothing found (looked for {})", looked_for(column.id))
        } else {
            clean(&column.from.join("; "))
        };
        out += &format!("  {:<12} {:<7} {source}\n", column.id.key(), column.title);
    }
    let shown = |names: &[String]| if names.is_empty() { "–".to_string() } else { clean(&names.join(", ")) };
    out += &format!(
        "model screen: quality {}; data quality {}; drift {}\n",
        shown(&plan.quality),
        shown(&plan.data_quality),
        shown(&plan.drift_metrics)
    );
    if !plan.notes.is_empty() || !plan.unmatched.is_empty() {
        out += "not matched:\n";
        for note in &plan.notes {
            out += &format!("  {}\n", clean(note));
        }
        if !plan.unmatched.is_empty() {
            out += &format!("  no preset reads: {}\n", clean(&shortened(&plan.unmatched, 12)));
        }
    }
    out
}
