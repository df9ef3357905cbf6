//! The config file format: the annotated example, valid files and the errors of invalid ones.
//!
//! Every file under `tests/fixtures/configs/invalid/` starts with comment lines saying what
//! its error must contain:
//!
//! ```toml
//! # expect: <substring of the message>
//! # line: <line the error points at>
//! # key: <key the error names>
//! # absent: <text that must not appear, e.g. a password> (optional)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use modeldeck::config::{self, Config, ConfigError};

use modeldeck::domain::Auth;
use modeldeck::domain::{ColumnId, Direction};
use modeldeck::input::keymap::{Command, Keymap};

const PROM_TOKEN: &str = "prom-token-0f9e8d7c";
const AM_TOKEN: &str = "am-token-1a2b3c4d";
const PROM_PASSWORD: &str = "correct-horse-battery-staple";

/// The environment the fixtures resolve against: only these variables are set.
fn lookup(name: &str) -> Option<String> {
    match name {
        "MODELDECK_TEST_PROM_TOKEN" => Some(PROM_TOKEN.to_string()),
        "MODELDECK_TEST_AM_TOKEN" => Some(AM_TOKEN.to_string()),
        "MODELDECK_TEST_PROM_PASSWORD" => Some(format!("{PROM_PASSWORD}\n")),
        _ => None,
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures/configs").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(path: &Path) -> Result<Config, ConfigError> {
    config::from_str(&read(path), Some(path), &lookup)
}

fn valid(name: &str) -> Config {
    let path = root().join("tests/fixtures/configs/valid").join(name);
    parse(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn defaults() -> Config {
    config::from_str("", None, &|_| None).expect("built-in defaults resolve")
}

#[test]
fn example_parses_without_any_environment_variable() {
    let path = root().join("config.example.toml");
    let text = read(&path);
    let example = config::from_str(&text, Some(&path), &|_| None).unwrap_or_else(|e| panic!("{e}"));
    let builtin = defaults();

    assert_eq!(example.refresh, builtin.refresh);
    assert_eq!(example.timeout, builtin.timeout);
    assert_eq!(example.poll_budget, builtin.poll_budget);
    assert_eq!(builtin.poll_budget, config::DEFAULT_POLL_BUDGET);
    assert_eq!(example.theme, builtin.theme);
    assert_eq!(example.author, builtin.author);
    assert_eq!(example.read_only, builtin.read_only);
    assert_eq!(example.discovery, builtin.discovery);
    assert_eq!(example.log_level, builtin.log_level);
    assert_eq!(example.log_file, builtin.log_file);
    assert_eq!(example.start_environment, 0);
    assert_eq!(example.path.as_deref(), Some(path.as_path()));

    let names: Vec<_> = example.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["staging", "prod-eu"]);
    let staging = &example.environments[0];
    assert!(!staging.production);
    assert_eq!(staging.prometheus.join("api/v1/query"), "http://127.0.0.1:9090/api/v1/query");
    assert_eq!(staging.alertmanagers.len(), 1);
    assert_eq!(staging.alertmanagers[0].join("api/v2/alerts"), "http://127.0.0.1:9093/api/v2/alerts");
    let prod = &example.environments[1];
    assert!(prod.production);
    assert_eq!(prod.prometheus.join("api/v1/query"), "https://mimir.eu.example.com/prometheus/api/v1/query");
    assert_eq!(prod.prometheus.headers, [("X-Scope-OrgID".to_string(), "ml-platform".to_string())]);
    assert_eq!(prod.prometheus.auth, Auth::None);
    assert_eq!(prod.alertmanagers.len(), 2, "an HA pair");

    assert_eq!(example.detail, builtin.detail, "the example's [detail] is the built-in one");
    assert_eq!(example.columns.len(), 8);
    assert_eq!(example.columns, builtin.columns, "the example documents the default columns verbatim");
    for (column, default) in example.columns.iter().zip(&builtin.columns) {
        assert_eq!(column.query, default.query, "{}", column.id);
        assert!(!column.query.contains("_label}"), "{}: placeholders are filled: {}", column.id, column.query);
    }

    let actions: usize = Keymap::default().help().iter().map(|(_, rows)| rows.len()).sum();
    assert_eq!(example.keys.len(), actions, "every action is listed");
    let keymap = Keymap::with_overrides(&example.keys).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(keymap, Keymap::default(), "the listed keys are the defaults");
}

#[test]
fn example_documents_every_key() {
    let text = read(&root().join("config.example.toml"));
    for key in [
        "refresh =",
        "timeout =",
        "poll_budget =",
        "# theme =",
        "# author =",
        "# default_environment =",
        "read_only =",
        "model_label =",
        "version_label =",
        "gpu_label =",
        "name =",
        "production =",
        "alertmanagers =",
        "[[environment.alertmanagers]]",
        "url =",
        "path_prefix =",
        "tenant =",
        "# tenant_header =",
        "# token_env =",
        "# token_file =",
        "# username =",
        "# password_env =",
        "# password_file =",
        "title =",
        "query =",
        "direction =",
        "warn =",
        "critical =",
        "enabled =",
        "range =",
        "# kind = \"mlflow\"",
        "# serving_environment =",
        "inference_service",
        "level =",
        "# file =",
        "# witness =",
        "# backend = \"postgres\"",
        "# url_env =",
        "# url_file =",
        "[compare]",
        "correct_metric =",
        "predictions_metric =",
        "min by ({model_label}) (trustyai_meanshift)",
        "rate(model_infer_request_duration_sum[5m])) / sum by ({model_label}) (rate(model_infer_request_duration_count",
    ] {
        assert!(text.contains(key), "config.example.toml does not show `{key}`");
    }
    for id in ColumnId::ALL {
        assert!(text.contains(&format!("[fleet.columns.{id}]")), "column {id} is not documented");
    }
}

#[test]
fn example_journal_backend_uncommented_reads_its_url_and_masks_it() {
    let path = root().join("config.example.toml");
    let original = read(&path);
    let text = original
        .replace("# backend = \"postgres\"", "backend = \"postgres\"")
        .replace("# url_env = \"MODELDECK_JOURNAL_URL\"", "url_env = \"MODELDECK_TEST_JOURNAL_URL\"")
        .replace("# witness = ", "witness = ");
    assert_ne!(text, original);
    let url = "postgres://ops:pg-s3cret@127.0.0.1:5432/audit";
    let env = |k: &str| (k == "MODELDECK_TEST_JOURNAL_URL").then(|| url.to_string());
    let config = config::from_str(&text, Some(&path), &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.journal.postgres.as_ref().map(|u| u.expose()), Some(url));
    assert_eq!(config.journal.witness.as_deref(), Some(Path::new("/var/lib/modeldeck-witness/journal.head")));
    let secrets = config.secrets();
    assert!(secrets.iter().any(|s| s == url) && secrets.iter().any(|s| s == "pg-s3cret"), "{secrets:?}");
    let err = config::from_str(&text, Some(&path), &|_| None).expect_err("the URL variable is unset");
    assert!(err.to_string().contains("$MODELDECK_TEST_JOURNAL_URL"), "{err}");
    let file = config::from_str(&original, Some(&path), &env).unwrap();
    assert!(file.journal.postgres.is_none() && file.journal.witness.is_none(), "the file stays the default");
}

#[test]
fn example_registry_switched_to_kubeflow() {
    use modeldeck::config::registry::RegistryKind;
    let path = root().join("config.example.toml");
    let original = read(&path);
    let text = original.replacen("# kind = \"mlflow\"", "kind = \"kubeflow\"", 1).replacen(
        "# serving_environment = \"prod\"",
        "serving_environment = \"prod\"",
        1,
    );
    let example = config::from_str(&original, Some(&path), &|_| None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(example.environments[0].registry_kind, RegistryKind::Mlflow);
    let config = config::from_str(&text, Some(&path), &|_| None).unwrap_or_else(|e| panic!("{e}"));
    let staging = &config.environments[0];
    assert_eq!(staging.registry_kind, RegistryKind::Kubeflow { serving_environment: Some("prod".into()) });
}

#[test]
fn example_with_secrets_uncommented_resolves_them() {
    let path = root().join("config.example.toml");
    let original = read(&path);
    let text = original.replace("# token_env = \"PROM_TOKEN\"", "token_env = \"MODELDECK_TEST_PROM_TOKEN\"");
    assert_ne!(text, original, "the example shows `# token_env = \"PROM_TOKEN\"`");
    let config = config::from_str(&text, Some(&path), &lookup).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.environments[1].prometheus.auth, Auth::Bearer(config::Secret::new(PROM_TOKEN)));
    let err = config::from_str(&text, Some(&path), &|_| None).expect_err("the token variable is unset");
    assert!(err.to_string().contains("$MODELDECK_TEST_PROM_TOKEN"), "{err}");
}

#[test]
fn every_valid_fixture_parses() {
    for path in fixtures("valid") {
        let config = parse(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!config.environments.is_empty(), "{}", path.display());
        assert!(!config.columns.is_empty(), "{}", path.display());
        Keymap::with_overrides(&config.keys).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let debug = format!("{config:?}");
        for secret in [PROM_TOKEN, AM_TOKEN, PROM_PASSWORD] {
            assert!(!debug.contains(secret), "{}: Debug shows a secret", path.display());
        }
    }
}

#[test]
fn minimal_fixture_keeps_the_defaults() {
    let config = valid("minimal.toml");
    let builtin = defaults();
    assert_eq!(config.environments.len(), 1);
    let env = &config.environments[0];
    assert_eq!(env.name, "local");
    assert!(!env.production && !env.read_only);
    assert!(env.alertmanagers.is_empty());
    assert_eq!(env.prometheus.auth, Auth::None);
    assert!(env.prometheus.headers.is_empty());
    assert_eq!(config.refresh, config::DEFAULT_REFRESH);
    assert_eq!(config.timeout, config::DEFAULT_TIMEOUT);
    assert_eq!(config.columns, builtin.columns);
    assert!(config.keys.is_empty());
}

#[test]
fn mimir_prefix_and_tenant() {
    let config = valid("mimir_tenant.toml");
    assert_eq!(config.refresh, std::time::Duration::from_secs(10));
    assert_eq!(config.timeout, std::time::Duration::from_secs(8));
    let env = &config.environments[0];
    assert!(env.production);
    assert_eq!(env.prometheus.join("api/v1/query"), "https://mimir.eu.example.com/prometheus/api/v1/query");
    assert_eq!(env.prometheus.join("/api/v1/series"), "https://mimir.eu.example.com/prometheus/api/v1/series");
    assert_eq!(env.prometheus.headers, [("X-Scope-OrgID".to_string(), "ml-platform".to_string())]);
}

#[test]
fn basic_auth_password_from_the_environment_is_never_shown() {
    let config = valid("basic_auth.toml");
    let env = &config.environments[0];
    assert!(env.read_only);
    match &env.prometheus.auth {
        Auth::Basic { username, password } => {
            assert_eq!(username, "modeldeck");
            assert_eq!(password.expose(), PROM_PASSWORD, "surrounding whitespace is trimmed");
        }
        other => panic!("expected basic auth, got {other:?}"),
    }
    let debug = format!("{config:?}");
    assert!(!debug.contains(PROM_PASSWORD), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    let message = format!("401 from https://modeldeck:{PROM_PASSWORD}@prometheus.internal.example.com");
    assert!(!env.prometheus.redact(&message).contains(PROM_PASSWORD));

    let path = root().join("tests/fixtures/configs/valid/basic_auth.toml");
    let err = config::from_str(&read(&path), Some(&path), &|_| None).expect_err("password variable unset");
    assert!(err.to_string().contains("$MODELDECK_TEST_PROM_PASSWORD"), "{err}");
}

#[test]
fn alertmanagers_as_strings_and_tables() {
    let config = valid("alertmanagers_mixed.toml");
    let env = &config.environments[0];
    assert_eq!(env.prometheus.auth, Auth::Bearer(config::Secret::new(PROM_TOKEN)));
    let ams = &env.alertmanagers;
    assert_eq!(ams.len(), 3);
    assert_eq!(ams[0].join("api/v2/alerts"), "http://alertmanager-0.example.com:9093/api/v2/alerts");
    assert_eq!(ams[0].auth, Auth::None);
    assert_eq!(ams[1].join("api/v2/alerts"), "https://mimir.example.com/alertmanager/api/v2/alerts");
    assert_eq!(ams[1].headers, [("X-Scope-OrgID".to_string(), "ml".to_string())]);
    assert_eq!(ams[2].auth, Auth::Bearer(config::Secret::new(AM_TOKEN)));
    assert!(ams[2].headers.is_empty());
}

#[test]
fn column_overrides_and_placeholders() {
    let config = valid("columns.toml");
    assert_eq!(config.discovery.model_label, "model_name");
    assert_eq!(config.columns.len(), 7);
    assert!(config.column(ColumnId::Gpu).is_none(), "gpu is disabled");

    let accuracy = config.column(ColumnId::Accuracy).expect("accuracy column");
    assert_eq!(accuracy.title, "ACC");
    assert_eq!(accuracy.thresholds.direction, Direction::HigherIsBetter);
    assert_eq!((accuracy.thresholds.warn, accuracy.thresholds.critical), (Some(0.97), Some(0.95)));
    assert_eq!(accuracy.query, "max by (model_name) (model_accuracy)");

    let drift = config.column(ColumnId::Drift).expect("drift column");
    assert_eq!(drift.title, "P-VAL");
    assert_eq!(drift.query, r#"min by (model_name, model_version) (trustyai_meanshift{pod!=""})"#);
    assert_eq!(drift.thresholds.direction, Direction::HigherIsBetter);
    assert_eq!((drift.thresholds.warn, drift.thresholds.critical), (Some(0.1), Some(0.05)));

    let version = config.column(ColumnId::Version).expect("version column");
    assert_eq!(
        version.query,
        "max by (model_name, model_version) (model_accuracy or model_infer_request_success_total)"
    );
    let trend = config.column(ColumnId::Trend).expect("trend column");
    assert_eq!(trend.range, std::time::Duration::from_secs(6 * 3600));
    assert_eq!(config.column(ColumnId::LatencyP95).expect("p95").range, config::DEFAULT_TREND_RANGE);
    assert!(config.columns.iter().all(|c| !c.query.contains("{model_label}")));
}

#[test]
fn key_overrides_apply() {
    let config = valid("keys.toml");
    assert_eq!(config.keys["quit"], ["x"]);
    assert_eq!(config.keys["help"], ["?", "F1", "h"]);
    let keymap = Keymap::with_overrides(&config.keys).unwrap_or_else(|e| panic!("{e:?}"));
    let names = |a: Command| keymap.keys(a).iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(names(Command::Quit), ["x"]);
    assert_eq!(names(Command::Help), ["?", "F1", "h"]);
    assert_eq!(names(Command::Down), ["j", "↓", "Ctrl-n"]);
    assert_eq!(keymap.keys(Command::Open), Keymap::default().keys(Command::Open), "unlisted actions keep defaults");
}

/// `[keys]` problems are the keymap's to report: the config itself parses.
fn key_errors(name: &str) -> Vec<String> {
    let path = root().join("tests/fixtures/configs/keys").join(name);
    let config = parse(&path).unwrap_or_else(|e| panic!("{e}"));
    Keymap::with_overrides(&config.keys).expect_err("the keymap refuses these keys")
}

#[test]
fn unknown_key_action_is_reported() {
    let errors = key_errors("unknown_action.toml");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("[keys] `launch` is not an action; known: up, down,"), "{errors:?}");
    assert!(errors[0].contains("quit"), "{errors:?}");
}

#[test]
fn bad_key_string_is_reported() {
    let errors = key_errors("bad_key.toml");
    assert_eq!(errors, ["[keys] help: `Hyper-q` is not a key (examples: q, G, Ctrl-c, Enter, F1)"]);
}

#[test]
fn key_bound_twice_is_reported() {
    let errors = key_errors("conflict.toml");
    assert_eq!(errors, ["[keys] `j` is bound to both `down` and `help`"]);
}

/// The `# name: value` comment lines at the top of a fixture.
fn expectations(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map_while(|l| l.strip_prefix("# "))
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn every_invalid_fixture_fails_with_file_line_key_and_message() {
    let files = fixtures("invalid");
    assert!(files.len() >= 12, "{} invalid fixtures", files.len());
    for path in files {
        let text = read(&path);
        let expect = expectations(&text);
        let get = |k: &str| expect.get(k).unwrap_or_else(|| panic!("{}: no `# {k}:` line", path.display()));
        let err = match config::from_str(&text, Some(&path), &lookup) {
            Ok(_) => panic!("{} parsed but must fail", path.display()),
            Err(e) => e,
        };
        let shown = err.to_string();
        let at = format!("{}:{}: ", path.display(), get("line"));
        assert!(shown.starts_with(&at), "{}: expected `{at}…`, got `{shown}`", path.display());
        assert!(shown.contains(&format!("key `{}`", get("key"))), "{}: `{shown}`", path.display());
        assert!(shown.contains(get("expect").as_str()), "{}: `{shown}`", path.display());
        if let Some(absent) = expect.get("absent") {
            assert!(!shown.contains(absent.as_str()), "{}: `{shown}` shows `{absent}`", path.display());
            assert!(!format!("{err:?}").contains(absent.as_str()), "{}: Debug shows `{absent}`", path.display());
        }
        match err {
            ConfigError::Invalid { path: Some(p), line: Some(_), key: Some(_), .. } => assert_eq!(p, path),
            other => panic!("{}: not located: {other:?}", path.display()),
        }
    }
}

#[test]
fn literal_secret_points_to_the_env_and_file_keys() {
    let path = root().join("tests/fixtures/configs/invalid/literal_token.toml");
    let shown = parse(&path).expect_err("a literal token is refused").to_string();
    assert!(shown.contains("`token_env`/`token_file`"), "{shown}");
    assert!(!shown.contains("eyJhbGciOiJIUzI1NiJ9"), "the literal token is not echoed: {shown}");
}

#[test]
fn errors_without_a_file_say_config() {
    let err = config::from_str("refresh = \"1ms\"\n", None, &|_| None).expect_err("too small");
    assert_eq!(err.to_string(), "config:1: key `refresh`: must be at least 200ms");
}

/// The example with its optional settings filled in: the commented-out `[[model]]` and
/// `[[runbook]]` blocks, the author and the journal path uncommented.
fn complete_example() -> String {
    let text = read(&root().join("config.example.toml"));
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        if matches!(line, "# [[model]]" | "# [[runbook]]") {
            in_block = true;
        } else if line == "#" || !line.starts_with("# ") {
            in_block = false;
        }
        out.push(if in_block { &line[2..] } else { line });
    }
    let complete = out.join("\n");
    for line in ["author = \"Jane Doe\"", "path = \"/srv/modeldeck/journal.jsonl\""] {
        assert!(complete.contains(&format!("# {line}")), "the example shows `# {line}`");
    }
    complete
        .replace("# author = \"Jane Doe\"", "author = \"Jane Doe\"")
        .replace("# path = \"/srv/modeldeck/journal.jsonl\"", "path = \"/srv/modeldeck/journal.jsonl\"")
        // With the resource columns on, so that every column section resolves.
        .replace("source = \"off\"", "source = \"auto\"")
}

#[test]
fn print_config_shows_every_section_of_the_complete_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("complete.toml");
    let complete = complete_example();
    std::fs::write(&path, &complete).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .arg("--config")
        .arg(&path)
        .arg("--print-config")
        .env("AIRFLOW_TOKEN", "airflow-s3cr3t")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Every table the file has, by its header.
    let mut sections: Vec<&str> = complete.lines().filter(|l| l.starts_with('[')).collect();
    sections.dedup();
    assert!(sections.len() >= 20, "{sections:?}");
    for section in sections {
        let shown = match section {
            // Sub-tables print inline with their parent.
            "[environment.prometheus]" => "prometheus = ",
            "[environment.registry]" => "registry = ",
            "[[environment.alertmanagers]]" => "alertmanager = ",
            "[detail.drift]" => "# drift: model_drift_score",
            other => other,
        };
        assert!(printed.contains(shown), "`{section}` is missing:\n{printed}");
    }
    for what in [
        "author = \"Jane Doe\"",
        "[journal]\nbackend = \"file\"\npath = \"/srv/modeldeck/journal.jsonl\"",
        "registry.kind = \"mlflow\"",
        "registry = \"https://mlflow.eu.example.com/\"",
        "name = \"iris\"\nserving.kind = \"mlserver\"",
        "rollback.kind = \"command\"\nrollback.argv = [\"helm\", \"rollback\"",
        "retrain.label = \"Airflow DAG retrain_fraud\"",
        "retrain.url = \"https://airflow.example.com/\" # auth: bearer token",
        "alias = \"champion\"",
        "suggest = \"rollback\"",
        "prometheus = \"https://mimir.eu.example.com/prometheus\" # auth: none, headers: X-Scope-OrgID",
    ] {
        assert!(printed.contains(what), "`{what}` is missing:\n{printed}");
    }
    assert!(!printed.contains("airflow-s3cr3t"), "a secret is printed:\n{printed}");
}
