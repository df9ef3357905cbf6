//! The configuration files a [`Stack`] writes into its temporary directory
//! before it starts the servers.

use std::fs;

use super::Stack;

const ALERTMANAGER_YML: &str = "\
route:
  receiver: default
  group_by: ['alertname', 'model']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: default
";

const RULES_YML: &str = "\
groups:
  - name: ml-model-health
    interval: 1s
    rules:
      - alert: ModelAccuracyLow
        expr: model_accuracy < 0.9
        for: 0s
        labels: {severity: critical}
        annotations: {summary: 'Accuracy of {{ $labels.model }} v{{ $labels.version }} is {{ $value }}'}
      - alert: ModelDriftHigh
        expr: model_drift_score > 0.25
        for: 0s
        labels: {severity: warning}
        annotations: {summary: 'Drift on {{ $labels.model }} is {{ $value }}'}
      - alert: ModelErrorsSlowBurn
        expr: model_error_probe > 0
        for: 1h
        labels: {severity: warning}
";

impl Stack {
    /// Writes `prometheus.yml` (with a `mlserver` scrape job when MLServer
    /// runs), `rules.yml` and `alertmanager.yml` and creates the data
    /// directories.
    pub(super) fn write_configs(&self) {
        let prometheus_yml = format!(
            "\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: ['{rules}']
alerting:
  alertmanagers:
    - static_configs: [{{targets: [{ams}]}}]
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{{targets: ['127.0.0.1:{pg}']}}]
{mlserver}",
            rules = self.path("rules.yml").display(),
            ams = self.alertmanager_ports.iter().map(|p| format!("'127.0.0.1:{p}'")).collect::<Vec<_>>().join(", "),
            pg = self.pushgateway_port,
            mlserver = self.mlserver_ports.map_or(String::new(), |ports| format!(
                // The server's own process series name no model: the scrape config names
                // the one it serves, as a pod's relabelling would.
                "  - job_name: mlserver\n    static_configs: [{{targets: ['127.0.0.1:{}']}}]\n    metric_relabel_configs:\n      - {{source_labels: [__name__], regex: 'process_.*', target_label: model, replacement: iris}}\n",
                ports.metrics
            )),
        );
        for (name, text) in [
            ("prometheus.yml", prometheus_yml.as_str()),
            ("rules.yml", RULES_YML),
            ("alertmanager.yml", ALERTMANAGER_YML),
        ] {
            fs::write(self.path(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
        }
        let alertmanager_data = (0..self.alertmanager_ports.len()).map(Stack::alertmanager_data);
        for name in std::iter::once("prometheus-data".to_string()).chain(alertmanager_data) {
            fs::create_dir_all(self.path(&name)).unwrap_or_else(|e| panic!("mkdir {name}: {e}"));
        }
    }
}
