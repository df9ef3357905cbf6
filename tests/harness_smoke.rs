//! Checks the integration-test harness itself against the real servers:
//! scraping, alert delivery to Alertmanager, resolution, a Prometheus
//! restart, and the query counter that other tests use to assert how many
//! queries the console sent.

mod harness;

use std::time::Duration;

use harness::{Stack, metrics_text, wait_for};
use serde_json::Value;

const JOB: &str = "ml-monitor";
const INSTANCE: &str = "eval-1";
const DEADLINE: Duration = Duration::from_secs(20);

/// The value of the first sample of an instant-query result, as Prometheus
/// formats it (`"0.97"`), if there is one.
fn first_value(result: &Value) -> Option<String> {
    result[0]["value"][1].as_str().map(str::to_string)
}

fn is_active_accuracy_alert(alert: &Value, model: &str) -> bool {
    alert["labels"]["alertname"] == "ModelAccuracyLow"
        && alert["labels"]["model"] == model
        && alert["status"]["state"] == "active"
}

fn has_accuracy_alert(alerts: &Value, model: &str) -> bool {
    alerts.as_array().is_some_and(|alerts| {
        alerts.iter().any(|a| a["labels"]["alertname"] == "ModelAccuracyLow" && a["labels"]["model"] == model)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_scrapes_alerts_resolves_and_restarts() {
    let mut stack = Stack::start().await;

    stack.push(JOB, INSTANCE, &metrics_text(&[("fraud", "3", 0.97)])).await;
    {
        let s = &stack;
        wait_for("Prometheus to scrape accuracy 0.97", DEADLINE, || async move {
            let result = s.prom_instant(r#"model_accuracy{model="fraud"}"#).await;
            first_value(&result).as_deref() == Some("0.97")
        })
        .await;
    }
    let result = stack.prom_instant(r#"model_accuracy{model="fraud"}"#).await;
    assert_eq!(result[0]["metric"]["job"], JOB, "honor_labels keeps the pushed job");
    assert_eq!(result[0]["metric"]["instance"], INSTANCE);
    assert_eq!(result[0]["metric"]["version"], "3");

    stack.push(JOB, INSTANCE, &metrics_text(&[("fraud", "3", 0.71)])).await;
    {
        let s = &stack;
        wait_for("Alertmanager to list ModelAccuracyLow for fraud as active", DEADLINE, || async move {
            let alerts = s.am_alerts().await;
            alerts.as_array().is_some_and(|a| a.iter().any(|a| is_active_accuracy_alert(a, "fraud")))
        })
        .await;
    }
    let alerts = stack.am_alerts().await;
    let alert = alerts.as_array().unwrap().iter().find(|a| is_active_accuracy_alert(a, "fraud")).unwrap();
    assert_eq!(alert["labels"]["severity"], "critical");
    assert_eq!(alert["annotations"]["summary"], "Accuracy of fraud v3 is 0.71");
    let generator = alert["generatorURL"].as_str().unwrap_or_default();
    assert!(
        generator.starts_with(&stack.prometheus_url),
        "generatorURL {generator:?} should point at {}",
        stack.prometheus_url
    );

    stack.push(JOB, INSTANCE, &metrics_text(&[("fraud", "3", 0.97)])).await;
    {
        let s = &stack;
        wait_for("ModelAccuracyLow for fraud to leave Alertmanager", DEADLINE, || async move {
            !has_accuracy_alert(&s.am_alerts().await, "fraud")
        })
        .await;
    }

    stack.stop_prometheus().await;
    let address = stack.prometheus_url.strip_prefix("http://").unwrap().to_string();
    let refused = tokio::net::TcpStream::connect(&address).await;
    match refused {
        Err(e) => assert_eq!(
            e.kind(),
            std::io::ErrorKind::ConnectionRefused,
            "connecting to a stopped Prometheus at {address}: {e}"
        ),
        Ok(_) => panic!("Prometheus at {address} still accepts connections after stop"),
    }

    stack.start_prometheus().await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let ready_url = format!("{}/-/ready", stack.prometheus_url);
    wait_for("Prometheus to be ready again", DEADLINE, || {
        let request = client.get(&ready_url).send();
        async move { request.await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;

    stack.delete_group(JOB, INSTANCE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_request_count_counts_instant_queries() {
    let stack = Stack::start().await;

    let before = stack.query_request_count().await;
    stack.prom_instant("up").await;
    stack.prom_instant("vector(1)").await;
    // Prometheus increments the counter after the handler returns, which can
    // be a moment after the client has the response.
    {
        let s = &stack;
        wait_for("the query counter to reach +2", Duration::from_secs(5), || async move {
            s.query_request_count().await >= before + 2.0
        })
        .await;
    }
    let after = stack.query_request_count().await;
    assert_eq!(after - before, 2.0, "before {before}, after {after}");
}
