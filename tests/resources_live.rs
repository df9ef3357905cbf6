//! CPU and memory per model against a real Prometheus: the process columns with a real
//! MLServer's own `process_*` series, scraped with the model label; recorded cAdvisor,
//! kube-state-metrics and process series backfilled with promtool, queried with the
//! console's own column and panel queries at the end of the recording; and the number of
//! queries per refresh with the resource columns on, flat in the number of models (through
//! the console's source).

mod harness;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use harness::{Stack, StackOptions, wait_for};
use jiff::Timestamp;
use modeldeck::app::{Fleet, reading};
use modeldeck::backends::http;
use modeldeck::config::{self, ColumnSpec, Config};
use modeldeck::domain::{CellValue, ColumnId, Status};
use modeldeck::sources::launch::LiveSources;

const MI: f64 = 1024.0 * 1024.0;
const GI: f64 = 1024.0 * MI;
/// The recording's length before its end.
const HISTORY_S: i64 = 1800;

/// (namespace, pod, container, CPU cores, memory bytes, throttled periods/s, periods/s).
type Container = (&'static str, &'static str, &'static str, f64, f64, f64, f64);

/// `POD` (the pause container) and `""` (the pod's own cgroup) must not count.
const CONTAINERS: [Container; 8] = [
    ("ml", "fraud-a", "server", 0.4, 200.0 * MI, 3.0, 10.0),
    ("ml", "fraud-a", "sidecar", 0.1, 56.0 * MI, 0.0, 10.0),
    ("ml", "fraud-a", "POD", 0.9, 9.0 * GI, 5.0, 10.0),
    ("ml", "fraud-a", "", 7.0, 50.0 * GI, 9.0, 10.0),
    ("ml", "fraud-b", "server", 0.5, 256.0 * MI, 1.0, 10.0),
    ("ml", "churn-x", "server", 0.25, 100.0 * MI, 0.0, 10.0),
    // The same pod name in another namespace belongs to another model.
    ("ml-staging", "fraud-a", "server", 0.1, 64.0 * MI, 0.0, 10.0),
    // Another app's pod, without the model's pod label.
    ("db", "postgres-0", "postgres", 3.0, 4.0 * GI, 2.0, 10.0),
];

/// (namespace, pod, the pod label's value or None, kube-state-metrics instance). `fraud-a`
/// is reported by two kube-state-metrics replicas.
const PODS: [(&str, &str, Option<&str>, &str); 6] = [
    ("ml", "fraud-a", Some("fraud"), "ksm-1"),
    ("ml", "fraud-a", Some("fraud"), "ksm-2"),
    ("ml", "fraud-b", Some("fraud"), "ksm-1"),
    ("ml", "churn-x", Some("churn"), "ksm-1"),
    ("ml-staging", "fraud-a", Some("fraud-canary"), "ksm-1"),
    ("db", "postgres-0", None, "ksm-1"),
];

/// (namespace, pod, container, resource, limit). `churn` has no limits.
const LIMITS: [(&str, &str, &str, &str, f64); 8] = [
    ("ml", "fraud-a", "server", "cpu", 0.75),
    ("ml", "fraud-a", "sidecar", "cpu", 0.25),
    ("ml", "fraud-b", "server", "cpu", 1.0),
    ("ml", "fraud-a", "server", "memory", 768.0 * MI),
    ("ml", "fraud-a", "sidecar", "memory", 256.0 * MI),
    ("ml", "fraud-b", "server", "memory", GI),
    ("ml-staging", "fraud-a", "server", "cpu", 0.105),
    ("db", "postgres-0", "postgres", "cpu", 4.0),
];

/// One sample a minute over [`HISTORY_S`] up to `end`: counters rise at their rate, gauges
/// hold their value.
fn recorded(end: i64) -> String {
    let start = end - HISTORY_S;
    let times = || (start..=end).step_by(60);
    let mut out = String::new();
    let mut family = |name: &str, kind: &str, series: Vec<(String, f64)>| {
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let sample = if kind == "counter" { format!("{name}_total") } else { name.to_string() };
        for (labels, value) in &series {
            for t in times() {
                let v = if kind == "counter" { value * (t - start) as f64 } else { *value };
                let _ = writeln!(out, "{sample}{{{labels}}} {v} {t}");
            }
        }
    };
    let container = |ns: &str, pod: &str, c: &str| format!("namespace=\"{ns}\",pod=\"{pod}\",container=\"{c}\"");
    let per_container =
        |f: fn(&Container) -> f64| CONTAINERS.iter().map(|c| (container(c.0, c.1, c.2), f(c))).collect::<Vec<_>>();
    family("container_cpu_usage_seconds", "counter", per_container(|c| c.3));
    family("container_memory_working_set_bytes", "gauge", per_container(|c| c.4));
    family("container_cpu_cfs_throttled_periods", "counter", per_container(|c| c.5));
    family("container_cpu_cfs_periods", "counter", per_container(|c| c.6));
    let pods = PODS
        .iter()
        .map(|(ns, pod, name, ksm)| {
            let label = match name {
                Some(name) => format!(",label_app_kubernetes_io_name=\"{name}\""),
                None => ",label_app=\"postgres\"".into(),
            };
            (format!("namespace=\"{ns}\",pod=\"{pod}\",instance=\"{ksm}\"{label}"), 1.0)
        })
        .collect();
    family("kube_pod_labels", "gauge", pods);
    let limits = LIMITS
        .iter()
        .map(|(ns, pod, c, resource, v)| {
            let unit = if *resource == "cpu" { "core" } else { "byte" };
            (format!("{},resource=\"{resource}\",unit=\"{unit}\"", container(ns, pod, c)), *v)
        })
        .collect();
    family("kube_pod_container_resource_limits", "gauge", limits);
    // A serving process outside Kubernetes, one that also runs in a pod, and a process
    // without the model label (Prometheus itself).
    let process = |model: Option<&str>| model.map_or("job=\"prometheus\"".to_string(), |m| format!("model=\"{m}\""));
    family(
        "process_cpu_seconds",
        "counter",
        vec![(process(Some("iris-proc")), 0.3), (process(Some("fraud")), 5.0), (process(None), 0.2)],
    );
    family(
        "process_resident_memory_bytes",
        "gauge",
        vec![(process(Some("iris-proc")), 300.0 * MI), (process(Some("fraud")), 5.0 * GI), (process(None), GI)],
    );
    out
}

fn config(source: &str) -> Config {
    config::from_str(&format!("[resources]\nsource = \"{source}\"\n"), None, &|_| None)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A column's values per model at `at`, through its own query.
async fn column(stack: &Stack, spec: &ColumnSpec, at: Timestamp) -> HashMap<String, f64> {
    let result = stack.prom_instant_at(&spec.query, at).await;
    result
        .as_array()
        .unwrap_or_else(|| panic!("{}: {result}", spec.id))
        .iter()
        .map(|s| {
            let model = s["metric"]["model"].as_str().unwrap_or_else(|| panic!("{}: no model in {s}", spec.id));
            (model.to_string(), s["value"][1].as_str().unwrap().parse::<f64>().unwrap())
        })
        .collect()
}

fn assert_values(id: ColumnId, got: &HashMap<String, f64>, want: &[(&str, f64)]) {
    let mut names: Vec<&str> = got.keys().map(String::as_str).collect();
    names.sort();
    let mut wanted: Vec<&str> = want.iter().map(|(m, _)| *m).collect();
    wanted.sort();
    assert_eq!(names, wanted, "{id}: the models, and only they");
    for (model, value) in want {
        let v = got[*model];
        assert!((v - value).abs() <= value.abs() * 1e-6 + 1e-9, "{id} of {model}: {v}, expected {value}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kubernetes_join_puts_each_pod_on_its_model() {
    let stack = Stack::start_with(StackOptions { recorded: Some(recorded), ..Default::default() }).await;
    let end = stack.backfill_end().expect("the recording's end");

    let kube = config("kubernetes");
    let mut results = Vec::new();
    for spec in &kube.columns {
        if spec.id.key().contains("cpu") || spec.id.key().contains("memory") || spec.id == ColumnId::Throttled {
            let values = column(&stack, spec, end).await;
            results.push((spec.id, values));
        }
    }
    let of = |id: ColumnId| &results.iter().find(|(c, _)| *c == id).unwrap_or_else(|| panic!("no {id} column")).1;
    let models = |v: [f64; 3]| [("fraud", v[0]), ("churn", v[1]), ("fraud-canary", v[2])];
    assert_values(ColumnId::Cpu, of(ColumnId::Cpu), &models([1.0, 0.25, 0.1]));
    assert_values(ColumnId::Memory, of(ColumnId::Memory), &models([512.0 * MI, 100.0 * MI, 64.0 * MI]));
    assert_values(ColumnId::Throttled, of(ColumnId::Throttled), &models([4.0 / 30.0, 0.0, 0.0]));
    assert_values(ColumnId::CpuLimit, of(ColumnId::CpuLimit), &[("fraud", 2.0), ("fraud-canary", 0.105)]);
    assert_values(ColumnId::MemoryLimit, of(ColumnId::MemoryLimit), &[("fraud", 2.0 * GI)]);

    // The console's reading: a share of the limit where there is one, else the value.
    let mut fleet = Fleet::default();
    let columns: Vec<_> = results
        .iter()
        .map(|(id, values)| (*id, Ok(values.iter().map(|(m, v)| (m.clone(), CellValue::Number(*v))).collect())))
        .collect();
    fleet.ingest(&columns, &kube.columns);
    let read = |model: &str, id: ColumnId| {
        let spec = kube.columns.iter().find(|s| s.id == id).unwrap();
        reading(spec, &fleet.find(model).unwrap().cells, &kube.columns).unwrap()
    };
    let fraud_cpu = read("fraud", ColumnId::Cpu);
    assert!(fraud_cpu.of_limit && (fraud_cpu.value - 0.5).abs() < 1e-6, "{fraud_cpu:?}");
    let fraud_memory = read("fraud", ColumnId::Memory);
    assert!(fraud_memory.of_limit && (fraud_memory.value - 0.25).abs() < 1e-6, "{fraud_memory:?}");
    let churn = read("churn", ColumnId::Cpu);
    assert!(!churn.of_limit && (churn.value - 0.25).abs() < 1e-6, "no limit: cores, {churn:?}");
    let canary = read("fraud-canary", ColumnId::Cpu);
    assert_eq!(canary.status, Status::Critical, "0.1 of 0.105 cores: {canary:?}");
    assert_eq!(fleet.find("fraud-canary").unwrap().status, Status::Critical);
    assert_eq!(fleet.find("fraud").unwrap().status, Status::Ok);

    // `auto`: Kubernetes where a model has pods, the process's figures elsewhere.
    let auto = config("auto");
    let cpu = auto.columns.iter().find(|s| s.id == ColumnId::Cpu).unwrap();
    assert_values(
        ColumnId::Cpu,
        &column(&stack, cpu, end).await,
        &[("fraud", 1.0), ("churn", 0.25), ("fraud-canary", 0.1), ("iris-proc", 0.3)],
    );
    let process = config("process");
    let memory = process.columns.iter().find(|s| s.id == ColumnId::Memory).unwrap();
    assert_values(
        ColumnId::Memory,
        &column(&stack, memory, end).await,
        &[("fraud", 5.0 * GI), ("iris-proc", 300.0 * MI)],
    );
    assert!(process.columns.iter().all(|s| s.id != ColumnId::Throttled), "no throttling without cAdvisor");

    // The model screen's panel: one range query, its lines named by `r`.
    let query = kube.detail.resources.panel_query("model", "fraud").unwrap();
    let start = Timestamp::from_second(end.as_second() - 600).unwrap();
    let lines = stack.prom_range(&query, start, end, 60).await;
    let last = |name: &str| -> f64 {
        let line = lines.as_array().unwrap().iter().find(|l| l["metric"]["r"] == name);
        let line = line.unwrap_or_else(|| panic!("no {name} line in {lines}"));
        let values = line["values"].as_array().unwrap();
        assert_eq!(values.len(), 11, "{name}: a point per minute");
        values.last().unwrap()[1].as_str().unwrap().parse().unwrap()
    };
    assert!((last("cpu") - 1.0).abs() < 1e-6);
    assert!((last("cpu_limit") - 2.0).abs() < 1e-9);
    assert!((last("memory") - 512.0 * MI).abs() < 1.0);
    assert!((last("memory_limit") - 2.0 * GI).abs() < 1.0);
    assert!((last("throttled") - 4.0 / 30.0).abs() < 1e-6);
}

fn live_config(stack: &Stack, source: &str) -> Config {
    let text = format!(
        "timeout = \"5s\"\n[resources]\nsource = \"{source}\"\n[[environment]]\nname = \"it\"\nprometheus = {{ url = \"{}\" }}\n",
        stack.prometheus_url
    );
    config::from_str(&text, None, &|_| None).unwrap_or_else(|e| panic!("{e}"))
}

/// Working-set memory and pod labels for `size` models, one pod each.
fn pods_text(size: usize) -> String {
    let mut out = String::new();
    for i in 0..size {
        let pod = format!("namespace=\"ml\",pod=\"m{i:03}-0\"");
        let _ =
            writeln!(out, "container_memory_working_set_bytes{{{pod},container=\"server\"}} {}", (i + 1) as f64 * MI);
        let _ = writeln!(out, "kube_pod_labels{{{pod},label_app_kubernetes_io_name=\"m{i:03}\"}} 1");
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_per_refresh_stay_flat_with_the_resource_columns() {
    let stack = Stack::start().await;
    let config = live_config(&stack, "auto");
    assert!(config.columns.iter().any(|c| c.id == ColumnId::Throttled), "the resource columns are on");
    let launcher = LiveSources { config: config.clone(), client: http::client(config.timeout).unwrap() };
    let (prometheus, _) = launcher.sources(0);
    let mut per_refresh = Vec::new();
    for size in [5usize, 150] {
        stack.push("cadvisor", "node-1", &pods_text(size)).await;
        wait_for("the pushed pods in Prometheus", Duration::from_secs(20), || async {
            stack.prom_instant("count(kube_pod_labels)").await[0]["value"][1].as_str()
                == Some(size.to_string().as_str())
        })
        .await;
        let before = stack.query_request_count().await;
        let snapshot = prometheus.snapshot(Timestamp::now()).await.unwrap();
        // The number columns share one joined request; the trend and VER have their own.
        let expected = before + 3.0;
        wait_for("the request counter", Duration::from_secs(5), || async {
            stack.query_request_count().await >= expected
        })
        .await;
        per_refresh.push(stack.query_request_count().await - before);
        let memory = snapshot.columns.iter().find(|(id, _)| *id == ColumnId::Memory).unwrap().1.as_ref().unwrap();
        assert_eq!(memory.len(), size, "every model is in the one memory query");
        assert_eq!(memory.get("m001"), Some(&CellValue::Number(2.0 * MI)));
    }
    assert_eq!(per_refresh, vec![3.0, 3.0], "three requests for thirteen columns, flat in the number of models");
    assert_eq!(config.columns.len(), 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_process_columns_show_mlserver_s_own_figures() {
    let stack =
        Stack::start_with(StackOptions { mlserver: true, mlserver_in_process: true, ..Default::default() }).await;
    let config = live_config(&stack, "process");
    let launcher = LiveSources { config: config.clone(), client: http::client(config.timeout).unwrap() };
    let (prometheus, _) = launcher.sources(0);
    let number = |columns: &[(ColumnId, modeldeck::domain::ColumnResult)], id: ColumnId| {
        let (_, column) = columns.iter().find(|(c, _)| *c == id)?;
        match column.as_ref().ok()?.get("iris") {
            Some(CellValue::Number(v)) => Some(*v),
            _ => None,
        }
    };
    // A rate needs two scrapes (one a second) of the CPU counter.
    let last = std::sync::Mutex::new(None);
    let (source, seen) = (&prometheus, &last);
    wait_for("iris's CPU and memory through the console's source", Duration::from_secs(30), || async move {
        let Ok(snapshot) = source.snapshot(Timestamp::now()).await else { return false };
        let figures = number(&snapshot.columns, ColumnId::Cpu).zip(number(&snapshot.columns, ColumnId::Memory));
        *seen.lock().unwrap() = figures;
        figures.is_some()
    })
    .await;
    let (cpu, memory) = last.into_inner().unwrap().unwrap();
    assert!(cpu.is_finite() && (0.0..16.0).contains(&cpu), "MLServer's CPU in cores: {cpu}");
    // The same figure as MLServer's own metrics endpoint gives, within its growth between scrapes.
    let own = stack.mlserver_sample("process_resident_memory_bytes").await.expect("MLServer's resident memory");
    assert!(memory > 50.0 * MI && (memory - own).abs() < own * 0.2, "Prometheus {memory}, MLServer {own}");
}
