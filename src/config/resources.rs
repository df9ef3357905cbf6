//! `[resources]`: where the CPU and memory columns and the model screen's resources panel
//! read from. Every column stays ONE query for the whole fleet, aggregated by the model label:
//! the serving process's own metrics carry the model label through the scrape config's
//! relabelling; cAdvisor's container series are put on a model by joining each pod to the
//! pod label (from kube-state-metrics `kube_pod_labels`) that holds the model's name.

use serde::Deserialize;

use crate::backends::prometheus::promql::label_equals;
use crate::domain::ColumnId;

/// kube-state-metrics' name for the pod label `app.kubernetes.io/name`.
pub const DEFAULT_POD_LABEL: &str = "label_app_kubernetes_io_name";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceSource {
    /// No CPU and memory columns, no resources panel.
    #[default]
    Off,
    /// `process_cpu_seconds_total` and `process_resident_memory_bytes`.
    Process,
    /// cAdvisor's container series joined to the model through the pod's labels.
    Kubernetes,
    /// Kubernetes where a model has pods, else the serving process's metrics.
    Auto,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    pub source: ResourceSource,
    /// The `kube_pod_labels` label that holds the model's name.
    pub pod_label: String,
}

impl Default for Resources {
    fn default() -> Self {
        Resources { source: ResourceSource::Off, pod_label: DEFAULT_POD_LABEL.into() }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileResources {
    pub source: Option<ResourceSource>,
    pub pod_label: Option<String>,
}

pub fn resolve(raw: &FileResources) -> Result<Resources, (&'static str, String)> {
    let pod_label = raw.pod_label.clone().unwrap_or_else(|| DEFAULT_POD_LABEL.into());
    if !super::is_label_name(&pod_label) {
        return Err(("pod_label", format!("`{pod_label}` is not a Prometheus label name")));
    }
    Ok(Resources { source: raw.source.unwrap_or_default(), pod_label })
}

/// Containers only: cAdvisor also reports the pod's cgroup (no `container`) and the pause
/// container (`POD`), which would count the pod twice.
const CONTAINERS: &str = "container!=\"\", container!=\"POD\"";

impl Resources {
    pub fn enabled(&self) -> bool {
        self.source != ResourceSource::Off
    }

    fn kubernetes(&self) -> bool {
        matches!(self.source, ResourceSource::Kubernetes | ResourceSource::Auto)
    }

    fn process(&self) -> bool {
        matches!(self.source, ResourceSource::Process | ResourceSource::Auto)
    }

    /// Each pod with its model: `kube_pod_labels` with the pod label copied into the model
    /// label, one series per pod (`max`: two kube-state-metrics replicas report it twice).
    fn pods(&self, m: &str) -> String {
        let p = &self.pod_label;
        format!(
            "max by (namespace, pod, {m}) (label_replace(kube_pod_labels{{{p}!=\"\"}}, \"{m}\", \"$1\", \"{p}\", \"(.+)\"))"
        )
    }

    /// `expr` (per container) summed per model, through the pod join.
    fn per_model(&self, expr: &str, m: &str) -> String {
        format!("sum by ({m}) ({expr} * on (namespace, pod) group_left({m}) {})", self.pods(m))
    }

    /// The fleet query of a resource column, `None` where the source has no such figure
    /// (or `id` is not a resource column).
    pub fn column_query(&self, id: ColumnId, m: &str) -> Option<String> {
        let kube = |expr: &str| self.kubernetes().then(|| self.per_model(expr, m));
        let process = |metric: &str| self.process().then(|| format!("sum by ({m}) ({metric}{{{m}!=\"\"}})"));
        let either = |k: Option<String>, p: Option<String>| match (k, p) {
            (Some(k), Some(p)) => Some(format!("{k} or {p}")),
            (k, p) => k.or(p),
        };
        match id {
            ColumnId::Cpu => either(
                kube(&format!("rate(container_cpu_usage_seconds_total{{{CONTAINERS}}}[5m])")),
                self.process().then(|| format!("sum by ({m}) (rate(process_cpu_seconds_total{{{m}!=\"\"}}[5m]))")),
            ),
            ColumnId::Memory => either(
                kube(&format!("container_memory_working_set_bytes{{{CONTAINERS}}}")),
                process("process_resident_memory_bytes"),
            ),
            ColumnId::Throttled => {
                let throttled = kube(&format!("rate(container_cpu_cfs_throttled_periods_total{{{CONTAINERS}}}[5m])"))?;
                let periods = kube(&format!("rate(container_cpu_cfs_periods_total{{{CONTAINERS}}}[5m])"))?;
                Some(format!("{throttled} / {periods}"))
            }
            ColumnId::CpuLimit => kube("kube_pod_container_resource_limits{resource=\"cpu\"}"),
            ColumnId::MemoryLimit => kube("kube_pod_container_resource_limits{resource=\"memory\"}"),
            _ => None,
        }
    }

    /// The model screen's resources panel: ONE range query for `model`, a line per figure
    /// named by the `r` label (`cpu` and `cpu_limit` charted, the rest in the title).
    pub fn panel_query(&self, m: &str, model: &str) -> Option<String> {
        if !self.enabled() {
            return None;
        }
        let sel = label_equals(m, model);
        let pods = format!("max by (namespace, pod) (kube_pod_labels{{{}}})", label_equals(&self.pod_label, model));
        let line = |expr: String, name: &str| format!("label_replace({expr}, \"r\", \"{name}\", \"\", \"\")");
        let kube =
            |expr: &str, name: &str| line(format!("sum({expr} * on (namespace, pod) group_left() {pods})"), name);
        let mut lines = Vec::new();
        if self.kubernetes() {
            lines.push(kube(&format!("rate(container_cpu_usage_seconds_total{{{CONTAINERS}}}[5m])"), "cpu"));
            lines.push(kube("kube_pod_container_resource_limits{resource=\"cpu\"}", "cpu_limit"));
            lines.push(kube(&format!("container_memory_working_set_bytes{{{CONTAINERS}}}"), "memory"));
            lines.push(kube("kube_pod_container_resource_limits{resource=\"memory\"}", "memory_limit"));
            lines.push(line(
                format!(
                    "sum(rate(container_cpu_cfs_throttled_periods_total{{{CONTAINERS}}}[5m]) * on (namespace, pod) group_left() {pods}) / sum(rate(container_cpu_cfs_periods_total{{{CONTAINERS}}}[5m]) * on (namespace, pod) group_left() {pods})"
                ),
                "throttled",
            ));
        }
        if self.process() {
            // After the Kubernetes lines: `or` keeps those where both have a figure.
            lines.push(line(format!("sum(rate(process_cpu_seconds_total{{{sel}}}[5m]))"), "cpu"));
            lines.push(line(format!("sum(process_resident_memory_bytes{{{sel}}})"), "memory"));
        }
        Some(lines.join(" or "))
    }
}

impl super::Config {
    /// Turns the resource columns and panel on with `source`, at their defaults (the demo).
    pub fn show_resources(&mut self, source: ResourceSource) {
        self.detail.resources.source = source;
        for default in &super::columns::DEFAULTS {
            let Some(query) = self.detail.resources.column_query(default.id, &self.discovery.model_label) else {
                continue;
            };
            if self.columns.iter().any(|c| c.id == default.id) {
                continue;
            }
            self.columns.push(super::ColumnSpec {
                id: default.id,
                title: default.title.into(),
                query,
                thresholds: crate::domain::Thresholds {
                    direction: default.direction,
                    warn: default.warn,
                    critical: default.critical,
                },
                range: super::DEFAULT_TREND_RANGE,
            });
        }
        // In the built-in order: the resource columns before the sparkline.
        self.columns.sort_by_key(|c| super::columns::DEFAULTS.iter().position(|d| d.id == c.id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resources(source: ResourceSource) -> Resources {
        Resources { source, pod_label: "label_model".into() }
    }

    #[test]
    fn each_source_gives_one_query_per_column() {
        let off = resources(ResourceSource::Off);
        assert!(ColumnId::ALL.iter().all(|id| off.column_query(*id, "model").is_none()));
        let process = resources(ResourceSource::Process);
        assert_eq!(
            process.column_query(ColumnId::Memory, "model").unwrap(),
            "sum by (model) (process_resident_memory_bytes{model!=\"\"})"
        );
        assert_eq!(process.column_query(ColumnId::Throttled, "model"), None, "no throttling without cAdvisor");
        assert_eq!(process.column_query(ColumnId::CpuLimit, "model"), None);
        let kube = resources(ResourceSource::Kubernetes);
        let cpu = kube.column_query(ColumnId::Cpu, "model").unwrap();
        assert!(cpu.starts_with("sum by (model) (rate(container_cpu_usage_seconds_total{"), "{cpu}");
        assert!(cpu.contains("* on (namespace, pod) group_left(model) max by (namespace, pod, model) (label_replace(kube_pod_labels{label_model!=\"\"}, \"model\", \"$1\", \"label_model\", \"(.+)\"))"), "{cpu}");
        assert!(!cpu.contains("process_"), "{cpu}");
        let auto = resources(ResourceSource::Auto).column_query(ColumnId::Cpu, "model").unwrap();
        assert!(
            auto.starts_with(&cpu) && auto.contains(" or sum by (model) (rate(process_cpu_seconds_total"),
            "{auto}"
        );
        assert!(ColumnId::ALL.iter().filter(|id| id.is_shown() && id.limit().is_none()).all(|id| {
            matches!(id, ColumnId::Cpu | ColumnId::Memory | ColumnId::Throttled)
                || kube.column_query(*id, "model").is_none()
        }));
    }

    #[test]
    fn the_source_decides_which_columns_resolve() {
        let ids = |text: &str| -> Vec<ColumnId> {
            crate::config::from_str(text, None, &|_| None).unwrap().columns.iter().map(|c| c.id).collect()
        };
        assert!(!ids("").contains(&ColumnId::Cpu), "off by default");
        let kube = ids("[resources]\nsource = \"kubernetes\"\n");
        assert_eq!(kube.len(), 13);
        let process = ids("[resources]\nsource = \"process\"\n");
        assert!(process.contains(&ColumnId::Memory) && !process.contains(&ColumnId::CpuLimit), "{process:?}");
        // A query of one's own turns a column on without a source.
        assert!(ids("[fleet.columns.cpu]\nquery = \"sum by ({model_label}) (x)\"\n").contains(&ColumnId::Cpu));
        assert!(crate::config::from_str("[resources]\nsource = \"yes\"\n", None, &|_| None).is_err());
    }

    #[test]
    fn the_panel_selects_the_model_by_its_pod_label_and_its_own_label() {
        let q = resources(ResourceSource::Auto).panel_query("model", "fr\"aud").unwrap();
        assert!(q.contains("kube_pod_labels{label_model=\"fr\\\"aud\"}"), "{q}");
        assert!(q.contains("process_cpu_seconds_total{model=\"fr\\\"aud\"}"), "{q}");
        assert_eq!(resources(ResourceSource::Off).panel_query("model", "m"), None);
        let bad = FileResources { pod_label: Some("app.kubernetes.io/name".into()), ..FileResources::default() };
        assert_eq!(resolve(&bad).unwrap_err().0, "pod_label");
    }
}
