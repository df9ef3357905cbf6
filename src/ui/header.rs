//! The top bar: environment (production is unmistakable), each source's health with the
//! data's age, counts and the last refresh.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::format;
use crate::app::App;
use crate::domain::team;
use crate::domain::{Health, SourceId};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let env = app.environment_info();
    let mut spans = vec![Span::styled(" modeldeck ", theme.title)];
    if app.settings.demo {
        spans.push(Span::styled(" DEMO ", theme.badge_demo));
        spans.push(Span::raw(" "));
    }
    if env.production {
        spans.push(Span::styled(format!(" ▲ PRODUCTION {} ", env.name), theme.badge_production));
    } else {
        spans.push(Span::styled(format!(" {} ", env.name), theme.badge_env));
    }
    if app.read_only() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" READ-ONLY ", theme.badge_readonly));
    }
    // Before the sources, so that a narrow terminal cuts anything but this.
    if app.settings.tls_verification_off {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(" ⚠ TLS VERIFICATION OFF ", theme.badge_production));
    }
    // Another operator's action here: before the sources, so a narrow terminal keeps it.
    if let Some(notice) = app.team_notice() {
        let text = format!("⚑ {}, {} ", crate::domain::sanitize::clean(&notice.text), team::ago(notice.at, app.now));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(text, theme.status_warn));
    }
    for source in SourceId::ALL {
        if source == SourceId::Registry && !env.registry {
            continue;
        }
        spans.push(Span::raw("  "));
        spans.extend(health_spans(app, source, theme));
    }
    // Without an answer from Alertmanager the count is unknown, not zero.
    let firing = match app.health.get(&SourceId::Alertmanager) {
        Some(Health::Ok { .. }) => format!("{} firing", app.firing_count()),
        Some(Health::Failing { last_ok: Some(_), .. }) => format!("{} firing (stale)", app.firing_count()),
        _ => "? firing".to_string(),
    };
    spans.push(Span::styled(format!("  {} models · {firing}", app.fleet.total()), theme.header));
    // Minutes only: the sources' ages say how fresh the data is, and a clock in seconds
    // would rewrite the header at every refresh.
    if let Some(at) = app.last_refresh {
        let local = at.to_zoned(jiff::tz::TimeZone::UTC);
        spans.push(Span::styled(format!(" · {} UTC", local.strftime("%H:%M")), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.header), area);
}

/// The startup warnings, on a line of their own under the header so the sources' health
/// stays in view while they show.
pub fn draw_notice(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(notice) = app.startup_notice() {
        let line = Line::from(Span::styled(format!(" ⚠ {notice} "), theme.health_error));
        frame.render_widget(Paragraph::new(line).style(theme.header), area);
    }
}

/// A healthy source's data age. While its polls answer on time (within two refresh
/// intervals) it reads as that bound, `<10s`, which holds still from one second to the
/// next; a poll that is late shows the age in seconds, and a stale source says so.
fn fresh_age(age: i64, refresh: std::time::Duration) -> String {
    let on_time = (refresh.as_secs() as i64 * 2).max(2);
    if age < on_time { format!("<{}", format::age(on_time)) } else { format::age(age) }
}

fn health_spans<'a>(app: &App, source: SourceId, theme: &Theme) -> Vec<Span<'a>> {
    let name = source.short();
    let stale_after = app.settings.refresh.as_secs_f64() * 3.0 + 2.0;
    let age = |at: jiff::Timestamp| (app.now.as_second() - at.as_second()).max(0);
    match app.health.get(&source).unwrap_or(&Health::Connecting) {
        Health::Connecting => vec![Span::styled(format!("{name} … connecting"), theme.dim)],
        Health::Ok { at } if age(*at) as f64 > stale_after => {
            vec![Span::styled(format!("{name} ◐ stale {}", format::age(age(*at))), theme.health_stale)]
        }
        Health::Ok { at } if source == SourceId::Prometheus && !app.fleet.column_errors.is_empty() => {
            // Answering, but some column queries fail (a PromQL typo in the config, say).
            let error = app.fleet.column_errors.values().next().map_or("", String::as_str);
            let n = app.fleet.column_errors.len();
            vec![Span::styled(
                format!("{name} ◐ {n}/{} queries failing: {}", app.settings.columns.len(), format::fit(error, 40)),
                theme.health_stale,
            )]
        }
        Health::Ok { at } => {
            let mut spans = vec![
                Span::styled(format!("{name} ●"), theme.health_ok),
                Span::styled(format!(" {}", fresh_age(age(*at), app.settings.refresh)), theme.dim),
            ];
            // An HA cluster: name the peers that are down even while another answers.
            if source == SourceId::Alertmanager && app.am_peers.len() > 1 {
                let down: Vec<String> =
                    app.am_peers.iter().filter(|p| p.error.is_some()).map(|p| p.name().to_string()).collect();
                let up = app.am_peers.len() - down.len();
                let text = if down.is_empty() {
                    format!(" {up}/{} peers", app.am_peers.len())
                } else {
                    format!(" {up}/{} peers, down: {}", app.am_peers.len(), down.join(", "))
                };
                spans.push(Span::styled(text, if down.is_empty() { theme.dim } else { theme.health_stale }));
            }
            spans
        }
        Health::Failing { error, last_ok, retry_in_ms, .. } => {
            let data = last_ok.map_or_else(|| "no data".to_string(), |t| format!("data {} old", format::age(age(t))));
            vec![Span::styled(
                format!("{name} ✗ {} · {data} · retry {}s", format::fit(error, 40), retry_in_ms.div_ceil(1000)),
                theme.health_error,
            )]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fresh_age;
    use std::time::Duration;

    #[test]
    fn an_on_time_age_holds_still_and_a_late_one_counts() {
        let refresh = Duration::from_secs(5);
        assert!((0..10).all(|age| fresh_age(age, refresh) == "<10s"));
        assert_eq!(fresh_age(10, refresh), "10s");
        assert_eq!(fresh_age(16, refresh), "16s");
        assert_eq!(fresh_age(0, Duration::from_secs(60)), "<2m");
        assert_eq!(fresh_age(0, Duration::from_millis(500)), "<2s");
    }
}
