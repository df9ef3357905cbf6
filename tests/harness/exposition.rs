//! The Prometheus text exposition format: building the pushed
//! `model_accuracy` samples and reading the query counters back from
//! Prometheus's own `/metrics`.

/// Pushgateway text for `model_accuracy`, one sample per
/// `(model, version, accuracy)`, with its `# TYPE` line and a trailing
/// newline.
pub fn metrics_text(models: &[(&str, &str, f64)]) -> String {
    let mut text = String::from("# TYPE model_accuracy gauge\n");
    for (model, version, accuracy) in models {
        text.push_str(&format!(
            "model_accuracy{{model=\"{}\",version=\"{}\"}} {accuracy}\n",
            escape_label_value(model),
            escape_label_value(version),
        ));
    }
    text
}

fn escape_label_value(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Sums the `prometheus_http_requests_total` samples whose `handler` label is
/// `/api/v1/query` or `/api/v1/query_range` in a text exposition.
pub(super) fn sum_query_requests(exposition: &str) -> f64 {
    let mut total = 0.0;
    for line in exposition.lines() {
        let Some(rest) = line.strip_prefix("prometheus_http_requests_total{") else {
            continue;
        };
        let Some((labels, value)) = split_labels(rest) else {
            continue;
        };
        let handler = labels.iter().find(|(name, _)| name == "handler").map(|(_, v)| v.as_str());
        if !matches!(handler, Some("/api/v1/query" | "/api/v1/query_range")) {
            continue;
        }
        // The value may be followed by a timestamp.
        let value = value.split_whitespace().next().unwrap_or("");
        total += value.parse::<f64>().unwrap_or_else(|e| panic!("bad sample value in {line:?}: {e}"));
    }
    total
}

/// Parses `name="value",...} rest` (the text after the opening brace) into
/// the label pairs and the text after the closing brace.
fn split_labels(s: &str) -> Option<(Vec<(String, String)>, &str)> {
    let mut labels = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([',', ' ']);
        if let Some(after) = rest.strip_prefix('}') {
            return Some((labels, after.trim_start()));
        }
        let (name, after_name) = rest.split_once('=')?;
        let mut chars = after_name.strip_prefix('"')?.char_indices();
        let mut value = String::new();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '"' => break i,
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                c => value.push(c),
            }
        };
        labels.push((name.trim().to_string(), value));
        rest = &after_name[1 + end + 1..];
    }
}
