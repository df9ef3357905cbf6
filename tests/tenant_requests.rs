//! Multi-tenant Prometheus back ends at the request level. Grafana Mimir and Thanos need
//! object storage and several components, so they cannot run here; a stand-in HTTP server
//! (tests/common/standin.rs) records what the console sends them instead: the path prefix
//! (Mimir serves the Prometheus API under `/prometheus` and its Alertmanager under
//! `/alertmanager`), the tenant header (`X-Scope-OrgID` for Mimir, `THANOS-TENANT` as a
//! Thanos receive/query setup names it) and the credentials beside it, on the fleet's
//! instant queries, the model screen's range queries and a silence.

mod common;

use common::standin::{Recorded, StandIn, reply};
use jiff::Timestamp;
use modeldeck::backends::alertmanager::silences::SilenceClient;
use modeldeck::backends::http;
use modeldeck::backends::prometheus::charts::PrometheusCharts;
use modeldeck::config::{self, Config};
use modeldeck::domain::ports::Charts;
use modeldeck::domain::{Matcher, SilenceRequest};
use modeldeck::sources::launch::LiveSources;

const EMPTY_VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;

fn config(prometheus: &str, alertmanager: &str) -> Config {
    let text = format!(
        "timeout = \"5s\"\n[[environment]]\nname = \"tenant\"\nprometheus = {prometheus}\nalertmanagers = [{alertmanager}]\n"
    );
    config::from_str(&text, None, &|name| (name == "MIMIR_TOKEN").then(|| "s3cret-token".to_string()))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Every request one fleet refresh and one model-screen load send to the configured
/// Prometheus; the answers themselves do not matter here.
async fn prometheus_requests(config: &Config, standin: &StandIn) -> Vec<Recorded> {
    let client = http::client(config.timeout).unwrap();
    let sources = LiveSources { config: config.clone(), client: client.clone() };
    let _ = sources.sources(0).0.snapshot(Timestamp::now()).await;
    let end = Timestamp::now().as_second() as f64;
    let _ = PrometheusCharts::new(config, 0, client).load("fraud", (end - 3600.0, end, 60.0)).await;
    let requests = standin.requests();
    assert!(requests.iter().any(|r| r.target.contains("/api/v1/query?")), "an instant query: {requests:#?}");
    assert!(requests.iter().any(|r| r.target.contains("/api/v1/query_range?")), "a range query: {requests:#?}");
    requests
}

async fn one_silence(config: &Config) {
    let client = http::client(config.timeout).unwrap();
    let silences = SilenceClient::new(client, config.environment(0).alertmanagers.clone());
    let now = Timestamp::now();
    let request = SilenceRequest {
        id: None,
        matchers: vec![Matcher::equal("model", "fraud")],
        starts_at: now,
        ends_at: now + jiff::SignedDuration::from_hours(1),
        created_by: "it-operator".into(),
        comment: "tenant check".into(),
    };
    let written = silences.create(&request).await.expect("the stand-in takes the silence");
    assert_eq!(written.value, "4f1d");
}

#[tokio::test]
async fn mimir_gets_its_prefixes_the_org_id_and_the_token_on_every_request() {
    let prometheus = StandIn::start(vec![reply(200, EMPTY_VECTOR)]).await;
    let alertmanager = StandIn::start(vec![reply(200, r#"{"silenceID":"4f1d"}"#)]).await;
    let config = config(
        &format!(
            "{{ url = \"{}\", path_prefix = \"/prometheus\", tenant = \"ml-platform\", token_env = \"MIMIR_TOKEN\" }}",
            prometheus.url
        ),
        &format!("{{ url = \"{}/\", path_prefix = \"/alertmanager/\", tenant = \"ml-platform\" }}", alertmanager.url),
    );
    for request in prometheus_requests(&config, &prometheus).await {
        assert!(request.target.starts_with("/prometheus/api/v1/"), "{}", request.target);
        assert_eq!(request.header("x-scope-orgid"), Some("ml-platform"), "{}", request.target);
        assert_eq!(request.header("authorization"), Some("Bearer s3cret-token"), "{}", request.target);
        assert_eq!(request.header("thanos-tenant"), None);
    }

    one_silence(&config).await;
    let sent = alertmanager.only_request();
    assert_eq!((sent.method.as_str(), sent.target.as_str()), ("POST", "/alertmanager/api/v2/silences"));
    assert_eq!(sent.header("x-scope-orgid"), Some("ml-platform"));
    assert_eq!(sent.header("authorization"), None, "the token was configured for Prometheus only");
    assert_eq!(sent.json()["comment"], "tenant check");
}

#[tokio::test]
async fn thanos_gets_its_own_tenant_header_and_no_prefix() {
    let prometheus = StandIn::start(vec![reply(200, EMPTY_VECTOR)]).await;
    let config = config(
        &format!("{{ url = \"{}\", tenant = \"team-a\", tenant_header = \"THANOS-TENANT\" }}", prometheus.url),
        "\"http://127.0.0.1:1\"",
    );
    for request in prometheus_requests(&config, &prometheus).await {
        assert!(request.target.starts_with("/api/v1/"), "{}", request.target);
        assert_eq!(request.header("thanos-tenant"), Some("team-a"), "{}", request.target);
        assert_eq!(request.header("x-scope-orgid"), None, "only the configured header");
        assert_eq!(request.header("authorization"), None);
    }
}

#[tokio::test]
async fn without_a_tenant_no_tenant_header_is_sent() {
    let prometheus = StandIn::start(vec![reply(200, EMPTY_VECTOR)]).await;
    let config = config(&format!("{{ url = \"{}\" }}", prometheus.url), "\"http://127.0.0.1:1\"");
    for request in prometheus_requests(&config, &prometheus).await {
        assert!(request.target.starts_with("/api/v1/"), "{}", request.target);
        assert_eq!((request.header("x-scope-orgid"), request.header("thanos-tenant")), (None, None));
    }
}
