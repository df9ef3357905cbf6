//! `modeldeck init` against recorded metric-name lists of the exporters it knows
//! (tests/fixtures/init/, each with its source in its header): which presets it recognises,
//! the queries and directions it writes, and that what it writes loads with the project's
//! own config parser, one query per column for the whole fleet.

use modeldeck::config::detail::DriftScale;
use modeldeck::config::{self, Config};
use modeldeck::domain::{ColumnId, Direction};
use modeldeck::init::presets::Preset;
use modeldeck::init::{Inventory, Plan, Servers, plan, render};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/init/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn servers() -> Servers {
    Servers {
        name: "main".into(),
        prometheus: "http://127.0.0.1:9090".into(),
        alertmanagers: vec!["http://127.0.0.1:9093".into()],
        registry: Some("http://127.0.0.1:5000".into()),
    }
}

struct Written {
    plan: Plan,
    text: String,
    config: Config,
}

impl Written {
    fn query(&self, id: ColumnId) -> &str {
        let column = self.config.column(id).unwrap_or_else(|| panic!("{id} is disabled:\n{}", self.text));
        &column.query
    }

    fn disabled(&self, id: ColumnId) -> bool {
        self.config.column(id).is_none()
    }
}

/// Plans and writes a config for the named fixtures together, and loads it back.
fn written(names: &[&str]) -> Written {
    if std::env::var_os("MODELDECK_SHOW_INIT").is_some() {
        let text: String = names.iter().map(|n| fixture(n)).collect::<Vec<_>>().join("\n");
        let plan = plan(&Inventory::parse_recorded(&text).unwrap());
        eprintln!("{}\n{}", render::config(&plan, &servers()), render::report(&plan, 0, &servers()));
    }
    let text: String = names.iter().map(|n| fixture(n)).collect::<Vec<_>>().join("\n");
    let inventory = Inventory::parse_recorded(&text).unwrap();
    from_inventory(&inventory)
}

fn from_inventory(inventory: &Inventory) -> Written {
    let plan = plan(inventory);
    let text = render::config(&plan, &servers());
    let config = config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let model = &config.discovery.model_label;
    for column in &config.columns {
        assert!(column.query.contains(&format!("by ({model}")), "{}: not by ({model}): {}", column.id, column.query);
        assert!(!column.query.contains("_label}"), "{}: a placeholder is left: {}", column.id, column.query);
    }
    assert_eq!(config.environments[0].prometheus.join("api/v1/query"), "http://127.0.0.1:9090/api/v1/query");
    Written { plan, text, config }
}

#[test]
fn mlserver_latency_is_the_mean_of_its_summary() {
    let w = written(&["mlserver"]);
    assert_eq!(w.plan.presets(), [Preset::Mlserver]);
    assert_eq!(
        (w.config.discovery.model_label.as_str(), w.config.discovery.version_label.as_str()),
        ("model", "version")
    );
    let latency = w.config.column(ColumnId::LatencyP95).unwrap();
    assert_eq!(latency.title, "MEAN");
    assert!(!latency.query.contains("histogram_quantile"), "{}", latency.query);
    assert_eq!(
        latency.query,
        "sum by (model) (rate(model_infer_request_duration_sum[5m])) / sum by (model) (rate(model_infer_request_duration_count[5m]))"
    );
    assert!(w.query(ColumnId::Version).contains(r#"model_infer_request_success_total{version!="None"}"#));
    assert_eq!(
        w.query(ColumnId::ErrorRate),
        "(sum by (model) (rate(model_infer_request_failure_total[5m])) / (sum by (model) (rate(model_infer_request_success_total[5m])) + sum by (model) (rate(model_infer_request_failure_total[5m])))) or (0 * sum by (model) (rate(model_infer_request_success_total[5m])))"
    );
    for id in [ColumnId::Accuracy, ColumnId::Drift, ColumnId::Gpu, ColumnId::Trend] {
        assert!(w.disabled(id), "{id} has nothing to read:\n{}", w.text);
    }
    assert!(w.text.contains("# From MLServer: mean of model_infer_request_duration (_sum / _count)"), "{}", w.text);
}

#[test]
fn the_example_names_keep_the_example_columns() {
    let w = written(&["plain"]);
    assert_eq!(w.plan.presets(), [Preset::Mlserver, Preset::Plain]);
    assert_eq!(w.config.column(ColumnId::LatencyP95).unwrap().title, "P95");
    assert!(w.query(ColumnId::LatencyP95).starts_with("histogram_quantile(0.95, sum by (model, le)"));
    assert_eq!(w.query(ColumnId::Accuracy), "max by (model) (model_accuracy)");
    assert_eq!(w.query(ColumnId::Drift), "max by (model) (model_drift_score)");
    let drift = w.config.column(ColumnId::Drift).unwrap();
    assert_eq!((drift.thresholds.direction, drift.thresholds.critical), (Direction::LowerIsBetter, Some(0.25)));
    assert_eq!(w.config.detail.quality, ["model_accuracy"]);
    assert_eq!(w.config.detail.data_quality.len(), 3);
    assert_eq!(w.config.detail.drift.scale(), DriftScale::Distance);
    assert!(w.query(ColumnId::Version).contains("(model_infer_request_success_total{version!=\"None\"})) or (max by"));
}

#[test]
fn triton_reads_its_microsecond_counter_and_says_its_gpus_are_not_per_model() {
    let w = written(&["triton"]);
    assert_eq!(w.plan.presets(), [Preset::Triton]);
    assert_eq!(
        w.query(ColumnId::LatencyP95),
        "sum by (model) (rate(nv_inference_request_duration_us[5m])) / sum by (model) (rate(nv_inference_request_success[5m])) / 1e6"
    );
    assert!(w.query(ColumnId::ErrorRate).starts_with("(sum by (model) (rate(nv_inference_request_failure[5m])) /"));
    assert_eq!(w.query(ColumnId::Version), "max by (model, version) (nv_inference_request_success)");
    assert!(w.disabled(ColumnId::Gpu));
    assert!(
        w.plan.notes.iter().any(|n| n.contains("nv_gpu_utilization") && n.contains("not per model")),
        "{:?}",
        w.plan.notes
    );
}

#[test]
fn vllm_names_models_by_model_name_and_has_no_error_column() {
    let w = written(&["vllm"]);
    assert_eq!(w.config.discovery.model_label, "model_name");
    assert_eq!(w.query(ColumnId::Throughput), "sum by (model_name) (rate(vllm:request_success_total[5m]))");
    assert_eq!(
        w.query(ColumnId::LatencyP95),
        "histogram_quantile(0.95, sum by (model_name, le) (rate(vllm:e2e_request_latency_seconds_bucket[5m])))"
    );
    assert!(w.disabled(ColumnId::ErrorRate) && w.disabled(ColumnId::Version));
    assert!(w.plan.unmatched.contains(&"vllm:num_requests_running".to_string()), "{:?}", w.plan.unmatched);
}

#[test]
fn trustyai_drift_tests_read_as_p_values_and_fairness_keeps_its_own_directions() {
    let w = written(&["trustyai"]);
    assert_eq!(w.plan.presets(), [Preset::TrustyAi]);
    let drift = w.config.column(ColumnId::Drift).unwrap();
    assert_eq!(
        drift.query,
        r#"max by (model) (clamp(0.1 + 0.15 * log2(0.1 / min by (model) ({__name__=~"trustyai_meanshift|trustyai_kstest|trustyai_approxkstest|trustyai_fouriermmd"})), 0, 1))"#
    );
    assert_eq!(drift.thresholds.direction, Direction::LowerIsBetter, "a score: higher is worse");
    assert_eq!(w.config.detail.drift.scale(), DriftScale::PValue);
    assert_eq!(w.config.detail.drift.feature_label(), "subcategory");
    assert!(w.text.contains("# Drift per feature; p-values: lower is worse.\n[detail.drift]\nmetric = "), "{}", w.text);
    assert!(w.text.contains("\nkind = \"p_value\"\n"), "{}", w.text);
    // SPD and DIR are in no column's query; they are offered with their own directions.
    for column in &w.config.columns {
        assert!(!column.query.contains("trustyai_spd") && !column.query.contains("trustyai_dir"), "{}", column.query);
    }
    assert!(w.text.contains("# direction = \"lower_is_better\"") && w.text.contains("# critical = 0.8"), "{}", w.text);
    // Each offered block, put in the accuracy column's place, loads and reads the right way.
    let blocks = render::fairness(&w.plan.fairness);
    assert_eq!(blocks.len(), 2);
    for (block, direction) in blocks.iter().zip([Direction::LowerIsBetter, Direction::HigherIsBetter]) {
        let text = format!("[fleet.columns.accuracy]\n{}\n", block.join("\n"));
        let config = config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let column = config.column(ColumnId::Accuracy).unwrap();
        assert_eq!(column.thresholds.direction, direction, "{text}");
        assert!(column.query.starts_with("m") && column.query.contains("by (model)"), "{}", column.query);
    }
}

#[test]
fn dcgm_gpus_belong_to_the_container_that_uses_them() {
    let w = written(&["dcgm"]);
    assert_eq!(w.plan.presets(), [Preset::Dcgm]);
    assert_eq!(w.config.discovery.gpu_label, "container");
    assert_eq!(
        w.query(ColumnId::Gpu),
        r#"avg by (model) (label_replace(DCGM_FI_DEV_GPU_UTIL, "model", "$1", "container", "(.+)"))"#
    );
    let gpu = w.config.column(ColumnId::Gpu).unwrap();
    assert_eq!((gpu.thresholds.warn, gpu.thresholds.critical), (Some(90.0), Some(98.0)));
    let from = &w.plan.column(ColumnId::Gpu).from;
    assert!(from[0].contains("model from `container`; GPUs by gpu, UUID, Hostname"), "{from:?}");

    let bare = written(&["dcgm_bare_metal"]);
    assert!(bare.disabled(ColumnId::Gpu));
    assert!(bare.plan.notes.iter().any(|n| n.contains("no pod or container label")), "{:?}", bare.plan.notes);
}

#[test]
fn seldon_counts_by_code_versions_from_model_internal_and_drift_flags_as_a_share() {
    let w = written(&["seldon_v2"]);
    assert_eq!(w.plan.presets(), [Preset::SeldonV2]);
    assert!(w.query(ColumnId::Throughput).contains(r#"seldon_model_infer_total{code=~"2..|OK"}"#));
    assert!(w.query(ColumnId::ErrorRate).contains(r#"seldon_model_infer_total{code!~"2..|OK"}"#));
    assert!(w.query(ColumnId::LatencyP95).contains("seldon_model_infer_seconds_total"));
    assert!(w.query(ColumnId::Version).contains(r#""version", "$1", "model_internal", ".+_([0-9]+)""#));
    let drift = w.query(ColumnId::Drift);
    assert!(
        drift.contains(r#"label_replace(increase(seldon_model_drift_sum[1h]), "model", "$1", "model_name", "(.+)")"#),
        "{drift}"
    );
}

#[test]
fn bentoml_and_kserve_name_models_by_their_own_labels() {
    let w = written(&["bentoml"]);
    let discovery = &w.config.discovery;
    assert_eq!((discovery.model_label.as_str(), discovery.version_label.as_str()), ("service_name", "service_version"));
    assert!(w.query(ColumnId::LatencyP95).contains("bentoml_service_request_duration_seconds_bucket"));
    assert!(w.query(ColumnId::ErrorRate).contains(r#"http_response_code!~"2..""#));
    assert_eq!(w.query(ColumnId::Version), "max by (service_name, service_version) (bentoml_service_request_total)");

    let w = written(&["kserve"]);
    assert_eq!(w.config.discovery.model_label, "model_name");
    assert!(w.query(ColumnId::LatencyP95).contains("request_predict_seconds_bucket"));
    assert!(w.disabled(ColumnId::ErrorRate));
}

#[test]
fn a_mixed_stack_gets_one_query_per_column_over_every_server() {
    let w = written(&["mlserver", "vllm", "trustyai", "dcgm", "plain"]);
    assert_eq!(w.plan.presets(), [Preset::Mlserver, Preset::Vllm, Preset::Plain, Preset::TrustyAi, Preset::Dcgm]);
    assert_eq!(w.config.discovery.model_label, "model", "MLServer's label, the first found");
    let throughput = w.query(ColumnId::Throughput);
    assert!(
        throughput.contains(r#"(sum by (model) (label_replace(rate(vllm:request_success_total[5m]), "model", "$1", "model_name", "(.+)")))"#),
        "{throughput}"
    );
    assert_eq!(w.config.column(ColumnId::LatencyP95).unwrap().title, "P95", "the model_* histogram exists");
    let summary_and_histogram = written(&["mlserver", "vllm"]);
    assert_eq!(summary_and_histogram.config.column(ColumnId::LatencyP95).unwrap().title, "LAT", "a mean and a p95");
    let drift = w.query(ColumnId::Drift);
    assert!(drift.starts_with("max by (model) (model_drift_score or clamp("), "{drift}");
    assert_eq!(w.config.detail.drift.scale(), DriftScale::Score);
    assert!(!w.disabled(ColumnId::Gpu) && !w.disabled(ColumnId::Accuracy));
    // vLLM's series name models by model_name; the model screen selects by model.
    assert!(w.plan.notes.iter().all(|n| !n.starts_with("vLLM: its series")), "vLLM adds no model-screen metrics");
}

#[test]
fn nothing_known_still_writes_a_config_that_loads() {
    let w = from_inventory(&Inventory::new(["up".to_string(), "go_goroutines".to_string()]));
    assert!(w.plan.found.is_empty());
    assert!(w.config.columns.is_empty(), "every column disabled:\n{}", w.text);
    assert!(w.text.contains("no exporter modeldeck knows"));
}

#[test]
fn a_hostile_metric_name_stays_inside_its_comment() {
    let evil = "vllm:x\n[keys]\nquit = \"j\"\u{202e}";
    let w = from_inventory(&Inventory::new([evil.to_string(), "vllm:request_success_total".to_string()]));
    assert!(w.config.keys.is_empty(), "{}", w.text);
    assert!(!w.text.contains('\u{202e}') && w.text.contains("vllm:x?[keys]?quit"), "{}", w.text);
}

#[test]
fn init_never_overwrites_a_file_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "# mine\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .args(["init", "--prometheus", "http://127.0.0.1:9", "--output"])
        .arg(&path)
        .env("XDG_CONFIG_HOME", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("exists") && stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");
}
