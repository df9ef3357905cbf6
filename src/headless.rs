//! `modeldeck status [--json]`: fetch once, print the fleet and the firing alerts, and
//! exit non-zero when a source did not answer. It reuses the app's own ingestion, so the
//! table and the TUI can never disagree.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

use crate::app::{App, Settings};
use crate::backends::http;
use crate::cli::Prepared;
use crate::domain::sanitize::InertJson;
use crate::domain::{AlertState, CellValue, ColumnId, Labels, Severity, SourceData, SourceId};
use crate::domain::{Event, SourceUpdate};
use crate::sources::launch::LiveSources;
use crate::ui::format;

pub const SCHEMA_VERSION: u32 = 1;

/// What one fetch of each source gave, in the order the table and the document list them.
pub type Snapshots = Vec<(SourceId, Result<SourceData, String>)>;

/// One fetch of each configured source of the chosen environment, all at once.
pub async fn live_snapshots(prepared: &Prepared) -> Result<Snapshots> {
    let config = &prepared.config;
    let env = config.environment(prepared.environment);
    let endpoints = std::iter::once(&env.prometheus).chain(&env.alertmanagers).chain(&env.registry);
    let client = if http::all_plain(endpoints) {
        http::plain_client(config.timeout)
    } else {
        http::client_with(config.timeout, &config.tls)
    }
    .map_err(|e| eyre!(e))?;
    let live = LiveSources { config: config.clone(), client };
    let (prometheus, alertmanager) = live.sources(prepared.environment);
    let registry = live.registry_source(prepared.environment);
    // A poll may be several requests in a row (Alertmanager: alerts, then silences), each
    // with the full timeout; the same bound as the console's poller.
    let limit = config.timeout.saturating_mul(crate::sources::poller::POLL_TIMEOUTS);
    let timed_out = || format!("timed out after {}", crate::domain::duration::format(limit));
    let registry_snapshot = async {
        match &registry {
            Some(r) => Some(tokio::time::timeout(limit, r.snapshot()).await),
            None => None,
        }
    };
    let (p, a, r) = tokio::join!(
        tokio::time::timeout(limit, prometheus.snapshot(Timestamp::now())),
        tokio::time::timeout(limit, alertmanager.snapshot()),
        registry_snapshot
    );
    let mut outcomes = vec![
        (SourceId::Prometheus, p.unwrap_or_else(|_| Err(timed_out())).map(SourceData::Fleet)),
        (SourceId::Alertmanager, a.unwrap_or_else(|_| Err(timed_out())).map(SourceData::Alerts)),
    ];
    if let Some(r) = r {
        outcomes.push((SourceId::Registry, r.unwrap_or_else(|_| Err(timed_out())).map(SourceData::Registry)));
    }
    Ok(outcomes)
}

/// Prints `outcomes` through the app's own ingestion; non-zero when a source failed.
pub fn status(prepared: &Prepared, demo: bool, outcomes: Snapshots, json: bool) -> Result<ExitCode> {
    let now = Timestamp::now();
    let settings = Settings::from_config(&prepared.config, prepared.keymap.clone(), demo, false);
    let mut app = App::new(settings, prepared.environment, now);
    // The run's credentials are masked in what a server said, as in the console.
    let redactor = crate::domain::Redactor::new(prepared.config.secrets());
    let outcomes: Snapshots = outcomes.into_iter().map(|(s, r)| (s, r.map_err(|e| redactor.text(&e)))).collect();
    let failures: Vec<String> =
        outcomes.iter().filter_map(|(s, r)| r.as_ref().err().map(|e| format!("{}: {e}", s.label()))).collect();
    let errors: Vec<(SourceId, Option<String>)> =
        outcomes.iter().map(|(s, r)| (*s, r.as_ref().err().cloned())).collect();
    for (source, outcome) in outcomes {
        let update = SourceUpdate { generation: app.generation, source, at: now, outcome, next_in: Duration::ZERO };
        app.update(Event::Source(update));
    }
    if json {
        // Values stay raw; `InertJson` writes C1 and bidi controls as `\uXXXX`, which serde
        // leaves raw, so the document says the same and cannot drive a terminal. Written as
        // it is serialised: with 1,000 alerts a `Value` tree and a second copy of the text
        // were a fifth of the command's CPU time.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, InertJson::default());
        document(&app, &errors).serialize(&mut serializer)?;
        out.write_all(b"\n")?;
        out.flush()?;
    } else {
        print!("{}", table(&app));
    }
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &failures {
            eprintln!("modeldeck: source failed: {f}");
        }
        Ok(ExitCode::from(1))
    }
}

/// The `status --json` document. Fields in name order, as a `Value` object wrote them.
#[derive(Serialize)]
struct Document<'a> {
    alerts: Vec<AlertEntry<'a>>,
    environment: &'a str,
    generated_at: String,
    models: Vec<Value>,
    schema_version: u32,
    sources: serde_json::Map<String, Value>,
}

#[derive(Serialize)]
struct AlertEntry<'a> {
    fingerprint: &'a str,
    labels: &'a Labels,
    model: Option<&'a str>,
    name: &'a str,
    severity: Severity,
    starts_at: Option<String>,
    state: AlertState,
    summary: &'a str,
}

fn document<'a>(app: &'a App, errors: &[(SourceId, Option<String>)]) -> Document<'a> {
    let models: Vec<Value> = app
        .fleet
        .visible_rows()
        .map(|row| {
            let mut values = serde_json::Map::new();
            for spec in &app.settings.columns {
                let v = match row.cells.get(&spec.id) {
                    Some(CellValue::Number(n)) if n.is_finite() => json!(n),
                    Some(CellValue::Number(n)) => json!(format::number(spec.id, *n)),
                    Some(CellValue::Text(t)) => json!(t),
                    Some(CellValue::Series(s)) => {
                        json!(s.iter().map(|v| v.is_finite().then_some(*v)).collect::<Vec<_>>())
                    }
                    None => Value::Null,
                };
                values.insert(spec.id.key().to_string(), v);
                // A limit only measures its column: no status of its own.
                if spec.id != ColumnId::Version
                    && spec.id.is_shown()
                    && let Some(r) = crate::app::reading(spec, &row.cells, &app.settings.columns)
                {
                    values.insert(format!("{}_status", spec.id.key()), json!(r.status));
                    if r.of_limit {
                        values.insert(format!("{}_of_limit", spec.id.key()), json!(r.value));
                    }
                }
            }
            let serving: Vec<&str> = row
                .text(ColumnId::Version)
                .map(|t| t.split(',').map(str::trim).filter(|v| !v.is_empty()).collect())
                .unwrap_or_default();
            json!({
                "name": row.name,
                "live_version": app.live_version(&row.name),
                "serving_versions": serving,
                "status": row.health(),
                "critical_alert": row.critical(),
                "firing_alerts": row.firing,
                "values": values,
            })
        })
        .collect();
    let alerts: Vec<AlertEntry> = app
        .alert_rows()
        .map(|a| AlertEntry {
            fingerprint: &a.fingerprint,
            labels: &a.labels,
            model: a.model.as_deref(),
            name: &a.name,
            severity: a.severity,
            starts_at: a.starts_at.map(|t| t.to_string()),
            state: a.state,
            summary: &a.summary,
        })
        .collect();
    let sources: serde_json::Map<String, Value> =
        errors.iter().map(|(s, e)| (s.label().to_string(), json!({ "ok": e.is_none(), "error": e }))).collect();
    Document {
        alerts,
        environment: &app.environment_info().name,
        generated_at: app.now.to_string(),
        models,
        schema_version: SCHEMA_VERSION,
        sources,
    }
}

/// The human table: outside text made inert, as on screen.
fn table(app: &App) -> String {
    let shown = crate::domain::sanitize::clean;
    let columns: Vec<_> = app.settings.columns.iter().filter(|c| c.id != ColumnId::Trend && c.id.is_shown()).collect();
    let mut out = format!("environment: {}\n\n", shown(&app.environment_info().name));
    let version = |row| app.version_text(row).map_or_else(|| format::MISSING.to_string(), |v| shown(&v.text));
    // VER takes the longest text (`2 (serving 3)`), the others 8 characters.
    let ver_width = app.fleet.visible_rows().map(|r| format::display_width(&version(r))).fold(8, usize::max).min(20);
    let width = |id| if id == ColumnId::Version { ver_width } else { 8 };
    // Padding by display width: a wide character (`情感`) takes two cells.
    let right = |text: &str, w: usize| format::pad(&format::fit(text, w), w, false);
    let left = |text: &str, w: usize| format::pad(&format::fit(text, w), w, true);
    let mut header = format!("  {}", left("MODEL", 24));
    for c in &columns {
        header += &format!(" {}", right(&c.title, width(c.id)));
    }
    out += &format!("{header} {:>6}\n", "ALERTS");
    for row in app.fleet.visible_rows() {
        let mark = match row.health() {
            crate::domain::Status::Critical => "!",
            crate::domain::Status::Warn => "•",
            _ => " ",
        };
        let mut line = format!("{mark} {}", left(&shown(&row.name), 24));
        for c in &columns {
            let text = match c.id {
                ColumnId::Version => version(row),
                _ => match crate::app::reading(c, &row.cells, &app.settings.columns) {
                    Some(r) if r.of_limit => format::share(r.value),
                    _ => shown(&format::cell(c.id, row.cells.get(&c.id))),
                },
            };
            line += &format!(" {}", right(&text, width(c.id)));
        }
        out += &format!("{line} {:>6}\n", row.firing);
    }
    out += "\nALERTS\n";
    let firing: Vec<_> = app.alert_rows().collect();
    if firing.is_empty() {
        out += "  none\n";
    }
    for a in firing {
        let age = a.starts_at.map_or("–".into(), |t| format::age(app.now.as_second() - t.as_second()));
        out += &format!(
            "  {:<8} {} {} {:>6} {:<9} {}\n",
            a.severity.label(),
            left(&shown(&a.name), 24),
            left(&a.model.as_deref().map_or_else(|| "–".to_string(), shown), 20),
            age,
            a.state.label(),
            shown(&a.summary.split_whitespace().collect::<Vec<_>>().join(" "))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::domain::FleetSnapshot;
    use crate::input::keymap::Keymap;

    #[test]
    fn wide_characters_keep_the_table_aligned() {
        let config = crate::config::from_str("", None, &|_| None).unwrap_or_else(|e| panic!("{e}"));
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap_or_else(|e| panic!("{e}"));
        let mut app = App::new(Settings::from_config(&config, Keymap::default(), false, false), 0, now);
        let accuracy: HashMap<String, CellValue> = [("sentiment_情感", 0.91), ("fraud", 0.97)]
            .into_iter()
            .map(|(name, v)| (name.to_string(), CellValue::Number(v)))
            .collect();
        let fleet = FleetSnapshot { columns: vec![(ColumnId::Accuracy, Ok(accuracy))], pending_alerts: Vec::new() };
        app.update(Event::Source(SourceUpdate {
            generation: app.generation,
            source: SourceId::Prometheus,
            at: now,
            outcome: Ok(SourceData::Fleet(fleet)),
            next_in: Duration::from_secs(5),
        }));
        let text = table(&app);
        let rows: Vec<&str> = text.lines().filter(|l| l.contains("MODEL") || l.contains("0.9")).collect();
        assert_eq!(rows.len(), 3, "{text}");
        // Every row ends in the same terminal column, the wide name's included.
        let widths: Vec<usize> = rows.iter().map(|r| format::display_width(r)).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{text}");
        assert!(text.contains("sentiment_情感"), "{text}");
    }

    #[test]
    fn resources_read_as_a_share_of_the_limit_and_limits_carry_no_status() {
        let config = crate::config::from_str("[resources]\nsource = \"kubernetes\"\n", None, &|_| None).unwrap();
        let now: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap_or_else(|e| panic!("{e}"));
        let mut app = App::new(Settings::from_config(&config, Keymap::default(), false, false), 0, now);
        let column = |id, v: f64| (id, Ok(HashMap::from([("fraud".to_string(), CellValue::Number(v))])));
        let columns = vec![column(ColumnId::Cpu, 1.9), column(ColumnId::CpuLimit, 2.0), column(ColumnId::Memory, 1e9)];
        app.update(Event::Source(SourceUpdate {
            generation: app.generation,
            source: SourceId::Prometheus,
            at: now,
            outcome: Ok(SourceData::Fleet(FleetSnapshot { columns, pending_alerts: Vec::new() })),
            next_in: Duration::from_secs(5),
        }));
        let text = table(&app);
        assert!(text.contains(" 95% ") && text.contains("954Mi") && !text.contains("LIM"), "{text}");
        let doc = serde_json::to_value(document(&app, &[])).unwrap_or_else(|e| panic!("{e}"));
        let values = &doc["models"][0]["values"];
        assert_eq!(values["cpu"], 1.9, "the raw cores");
        assert_eq!(values["cpu_of_limit"], 0.95);
        assert_eq!(values["cpu_status"], "warn");
        assert_eq!(values["cpu_limit"], 2.0);
        assert!(values.get("cpu_limit_status").is_none() && values.get("memory_of_limit").is_none(), "{values}");
    }
}
