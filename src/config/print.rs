//! `--print-config`: the resolved settings, every section, in the config file's own shape, so
//! an operator can confirm what modeldeck will use. Secrets are shown only by kind (`auth:
//! bearer token`), header values not at all: only their names.

use std::fmt::Write as _;

use super::rollback::RollbackKind;
use super::runbook::Suggestion;
use super::{Auth, Config, Endpoint};
use crate::domain::duration::format as duration;
use crate::domain::{Direction, Param, ParamKind};

/// A TOML string, quoted and escaped.
fn q(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|i| q(i)).collect::<Vec<_>>().join(", "))
}

fn auth_kind(e: &Endpoint) -> &'static str {
    match e.auth {
        Auth::None => "none",
        Auth::Bearer(_) => "bearer token",
        Auth::Basic { .. } => "basic",
    }
}

/// `"url" # auth: …, headers: A, B`: the URL, and what travels with it by name only.
fn endpoint(e: &Endpoint) -> String {
    let mut out = format!("{} # auth: {}", q(e.url.as_str()), auth_kind(e));
    if !e.headers.is_empty() {
        let names: Vec<&str> = e.headers.iter().map(|(n, _)| n.as_str()).collect();
        let _ = write!(out, ", headers: {}", names.join(", "));
    }
    out
}

fn param(p: &Param) -> String {
    match p.kind {
        ParamKind::Text => format!("{} = {}", p.name, q(&p.value)),
        ParamKind::Number | ParamKind::Bool => format!("{} = {}", p.name, p.value),
    }
}

pub fn describe(config: &Config) -> String {
    let mut out = String::new();
    let file = config.path.as_ref().map_or_else(|| "(built-in defaults)".into(), |p| p.display().to_string());
    let _ = writeln!(out, "# resolved from {file}");
    let _ = writeln!(out, "refresh = {}", q(&duration(config.refresh)));
    let _ = writeln!(out, "timeout = {}", q(&duration(config.timeout)));
    let _ = writeln!(out, "poll_budget = {}", q(&super::size::format(config.poll_budget).replace(' ', "")));
    let _ = writeln!(out, "theme = {}", q(config.theme.as_deref().unwrap_or("default")));
    let _ = writeln!(out, "author = {}", q(&config.author_name()));
    let _ = writeln!(out, "read_only = {}", config.read_only);

    let d = &config.discovery;
    let _ = write!(
        out,
        "\n[discovery]\nmodel_label = {}\nversion_label = {}\ngpu_label = {}\n",
        q(&d.model_label),
        q(&d.version_label),
        q(&d.gpu_label)
    );
    let log_file = config.log_file.as_ref().map_or_else(|| "(none)".into(), |p| p.display().to_string());
    let _ = write!(out, "\n[ui]\nlow_bandwidth = {}\n", config.low_bandwidth);
    let _ = write!(out, "\n[log]\nlevel = {}\nfile = {}\n", q(&config.log_level), q(&log_file));
    let _ = write!(
        out,
        "\n[alerts]\nsilence_duration = {}\nsilence_ignore_labels = {}\n",
        q(&duration(config.silence_duration)),
        list(&config.silence_ignore_labels)
    );

    let detail = &config.detail;
    let drift: Vec<String> = detail
        .drift
        .metrics
        .iter()
        .map(|m| format!("{} ({:?}, feature label {})", m.name, m.kind, m.feature_label))
        .collect();
    let _ = write!(
        out,
        "\n[detail]\nquality = {}\ndata_quality = {}\n# drift: {}\n",
        list(&detail.quality),
        list(&detail.data_quality),
        drift.join("; ")
    );
    let resources = &detail.resources;
    let source = format!("{:?}", resources.source).to_lowercase();
    let _ = write!(out, "\n[resources]\nsource = {}\npod_label = {}\n", q(&source), q(&resources.pod_label));

    let journal = config
        .journal_path
        .clone()
        .or_else(crate::journal::default_path)
        .map_or_else(|| "(none: set [journal] path)".into(), |p| p.display().to_string());
    match &config.journal.postgres {
        // The URL is a secret: only its kind is named.
        Some(_) => {
            let _ =
                write!(out, "\n[journal]\nbackend = \"postgres\" # url: from url_env/url_file (secret, not shown)\n");
        }
        None => {
            let _ = write!(out, "\n[journal]\nbackend = \"file\"\npath = {}\n", q(&journal));
        }
    }
    match &config.journal.witness {
        Some(witness) => {
            let _ = writeln!(out, "witness = {}", q(&witness.display().to_string()));
        }
        None => out.push_str("# no witness: a cut at the end is found only with --expect-head/--expect-count\n"),
    }
    let _ = writeln!(out, "# entries are written by {}", q(&config.author_name()));

    let cas: Vec<String> = config.tls.ca_files.iter().map(|c| c.path.display().to_string()).collect();
    let _ = write!(
        out,
        "\n[tls]\nca_files = {}\ninsecure_skip_verify = {} # verification {}\n",
        list(&cas),
        config.tls.insecure_requested,
        if config.tls.verification_off() { "OFF" } else { "on" }
    );

    for (n, env) in config.environments.iter().enumerate() {
        let _ = write!(
            out,
            "\n[[environment]]\nname = {}{}\nproduction = {}\nread_only = {}\nprometheus = {}\n",
            q(&env.name),
            if n == config.start_environment { " # the one modeldeck starts in" } else { "" },
            env.production,
            env.read_only,
            endpoint(&env.prometheus)
        );
        for am in &env.alertmanagers {
            let _ = writeln!(out, "alertmanager = {}", endpoint(am));
        }
        match &env.registry {
            Some(registry) => {
                let _ = writeln!(out, "registry = {}", endpoint(registry));
                match &env.registry_kind {
                    crate::config::registry::RegistryKind::Mlflow => out.push_str("registry.kind = \"mlflow\"\n"),
                    crate::config::registry::RegistryKind::Kubeflow { serving_environment } => {
                        let serving = serving_environment.as_deref().map_or_else(|| "(all)".to_string(), q);
                        let _ = writeln!(out, "registry.kind = \"kubeflow\"\nregistry.serving_environment = {serving}");
                    }
                }
            }
            None => out.push_str("# no registry: versions come from Prometheus's labels\n"),
        }
    }

    for c in &config.columns {
        let t = &c.thresholds;
        let direction = match t.direction {
            Direction::HigherIsBetter => "higher_is_better",
            Direction::LowerIsBetter => "lower_is_better",
            _ => "none",
        };
        let number = |v: Option<f64>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        let _ = write!(
            out,
            "\n[fleet.columns.{}]\ntitle = {}\nquery = {}\n# direction {direction}, warn {}, critical {}, range {}\n",
            c.id,
            q(&c.title),
            q(&c.query),
            number(t.warn),
            number(t.critical),
            duration(c.range)
        );
    }

    if !config.keys.is_empty() {
        out.push_str("\n[keys]\n");
        for (name, keys) in &config.keys {
            let _ = writeln!(out, "{name} = {}", list(keys));
        }
    }

    let g = &config.governance;
    let _ = write!(
        out,
        "\n[governance]\nalias = {}\nvalidation_tag = {}\nvalidated_values = {}\nallow_override = {}\nvalidated_at_tag = {}\nowner_tag = {}\ndata_sources_tag = {}\npii_tag = {}\nnote_tag = {}\n",
        q(&g.alias),
        q(&g.validation_tag),
        list(&g.validated_values),
        g.allow_override,
        q(&g.validated_at_tag),
        q(&g.owner_tag),
        q(&g.data_sources_tag),
        q(&g.pii_tag),
        q(g.note_tag.as_deref().unwrap_or(""))
    );
    let c = &g.compare;
    let _ = write!(
        out,
        "\n[compare]\nwindow = {}\ncorrect_metric = {}\npredictions_metric = {}\n",
        q(&crate::domain::duration::format(c.window)),
        q(&c.correct_metric),
        q(&c.predictions_metric)
    );

    models(&mut out, config);
    runbook(&mut out, config);
    out
}

/// Each `[[model]]`: its serving endpoint, rollback and retraining, one block per model.
fn models(out: &mut String, config: &Config) {
    let all = config.models.iter().map(|m| m.name.as_str());
    let all = all.chain(config.rollbacks.iter().map(|r| r.model.as_str()));
    let all = all.chain(config.retrain.iter().map(|(m, _)| m.as_str()));
    let mut names: Vec<&str> = Vec::new();
    for name in all {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        out.push_str("\n# no [[model]] blocks\n");
    }
    for name in names {
        let _ = write!(out, "\n[[model]]\nname = {}\n", q(name));
        if let Some(s) = config.models.iter().find(|m| m.name == name) {
            let _ = writeln!(out, "serving.kind = {}", q(s.kind.key()));
            let _ = writeln!(out, "serving.metrics = {}", endpoint(&s.metrics));
            if let Some(url) = &s.url {
                let _ = writeln!(out, "serving.url = {}", endpoint(url));
            }
            let _ = writeln!(out, "serving.model_label = {}", q(&s.model_label));
            if let Some(version) = &s.version {
                let _ = writeln!(out, "serving.version = {}", q(version));
            }
        }
        if let Some(r) = config.rollbacks.iter().find(|r| r.model == name) {
            let _ = writeln!(out, "registered_model = {}", q(&r.registered_model));
            match &r.kind {
                None => out.push_str("rollback.kind = \"registry alias\" # the environment's registry\n"),
                Some(kind @ RollbackKind::Mlflow) => {
                    let _ = writeln!(out, "rollback.kind = \"mlflow\" # {}", kind.label());
                }
                Some(RollbackKind::Oip { url, verify_input, ready_timeout }) => {
                    let _ = writeln!(out, "rollback.kind = \"oip\"\nrollback.url = {}", endpoint(url));
                    let _ = writeln!(out, "rollback.ready_timeout = {}", q(&duration(*ready_timeout)));
                    let _ = writeln!(out, "rollback.verify_input = {}", verify_input.is_some());
                }
                Some(RollbackKind::Command { argv, timeout }) => {
                    let _ = writeln!(out, "rollback.kind = \"command\"\nrollback.argv = {}", list(argv));
                    let _ = writeln!(out, "rollback.timeout = {}", q(&duration(*timeout)));
                }
            }
            for (key, value) in &r.vars {
                let _ = writeln!(out, "rollback.vars.{key} = {}", q(value));
            }
        }
        for (_, t) in config.retrain.iter().filter(|(m, _)| m == name) {
            let _ = writeln!(out, "retrain.name = {}\nretrain.label = {}", q(&t.name), q(&t.label));
            if let Some(e) = t.endpoint() {
                let _ = writeln!(out, "retrain.url = {}", endpoint(e));
            }
            for p in &t.params {
                let _ = writeln!(out, "retrain.params.{}", param(p));
            }
        }
    }
}

fn runbook(out: &mut String, config: &Config) {
    for rule in &config.runbook {
        let _ = write!(out, "\n[[runbook]]\nalert = {}\n", q(&rule.alert));
        if let Some(model) = &rule.model {
            let _ = writeln!(out, "model = {}", q(model));
        }
        if let Some(d) = rule.for_at_least {
            let _ = writeln!(out, "for = {}", q(&duration(d)));
        }
        match &rule.suggest {
            Suggestion::Retrain { target } => {
                let _ = writeln!(
                    out,
                    "suggest = \"retrain\"\ntarget = {}",
                    q(target.as_deref().unwrap_or("(the model's own)"))
                );
            }
            Suggestion::Rollback => out.push_str("suggest = \"rollback\"\n"),
            Suggestion::Ack { duration: d } => {
                let d = d.map_or_else(|| "(the form's default)".to_string(), duration);
                let _ = writeln!(out, "suggest = \"ack\"\nack_for = {}", q(&d));
            }
        }
        let _ = writeln!(out, "automatic = {}", rule.automatic);
        if let Some(d) = rule.rate_limit {
            let _ = writeln!(out, "rate_limit = {}", q(&duration(d)));
        }
    }
}
