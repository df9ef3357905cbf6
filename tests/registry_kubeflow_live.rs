//! The Kubeflow Model Registry backend through the console's own flow (versions screen,
//! `R`, the confirmation, the action task, the journal), against a stand-in registry.
//!
//! The real registry cannot run here (it needs MySQL or PostgreSQL and a Kubernetes-side
//! controller), so `tests/standins/kubeflow_registry.py` stands in for it: it checks every
//! request and every answer against the registry's OpenAPI spec (pinned in
//! `tests/standins/kubeflow/`) with openapi-core, and each test ends by asserting that
//! every exchange was validated and none violated the spec.

mod harness;
mod live;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::KubeflowRegistry;
use live::Live;
use modeldeck::app::Screen;
use modeldeck::config::{self, Config};
use modeldeck::domain::Event;
use modeldeck::journal::{Entry, Journal, Kind, Outcome};

/// Prometheus is not needed here: its port is closed and the fleet stays empty.
const NO_PROMETHEUS: &str = "http://127.0.0.1:9";
const TOKEN_ENV: &str = "KUBEFLOW_TEST_TOKEN";

/// The ids of one model's fixture.
struct Fixture {
    /// Version name → ModelVersion id, for "1", "2", "3".
    versions: Vec<(String, String)>,
    /// The `fraud-prod` record in the `prod` serving environment.
    service: String,
}

impl Fixture {
    fn version(&self, name: &str) -> &str {
        &self.versions.iter().find(|(n, _)| n == name).expect("a fixture version").1
    }
}

/// `fraud` with versions 1 (pending), 2 and 3 (approved), `fraud-prod` serving 3 in `prod`;
/// beside it a staging record of `fraud` on 1 and another model's record in `prod`, which
/// must not count.
async fn fraud(kf: &KubeflowRegistry) -> Fixture {
    let model = kf.model("fraud", "risk-ml", &[("pii", "no"), ("data_sources", "s3://features/fraud")]).await;
    let mut versions = Vec::new();
    for (name, status) in [("1", "pending"), ("2", "approved"), ("3", "approved")] {
        let props = [("validation_status", status), ("validated_at", "2026-11-02")];
        versions.push((name.to_string(), kf.version(&model, name, &props).await));
    }
    let prod = kf.serving_environment("prod").await;
    let staging = kf.serving_environment("staging").await;
    let service = kf.inference_service(&prod, "fraud-prod", &model, Some(&versions[2].1)).await;
    kf.inference_service(&staging, "fraud-staging", &model, Some(&versions[0].1)).await;
    let other = kf.model("churn", "growth", &[]).await;
    let churn_v1 = kf.version(&other, "1", &[("validation_status", "approved")]).await;
    kf.inference_service(&prod, "churn-prod", &other, Some(&churn_v1)).await;
    Fixture { versions, service }
}

fn config(kf: &KubeflowRegistry, production: bool, extra: &str) -> Config {
    let text = format!(
        "refresh = \"1s\"\ntimeout = \"5s\"\n{extra}\n[[environment]]\nname = \"prod\"\nproduction = {production}\nprometheus = {{ url = \"{NO_PROMETHEUS}\" }}\nregistry = {{ url = \"{}\", kind = \"kubeflow\", serving_environment = \"prod\", token_env = \"{TOKEN_ENV}\" }}\n",
        kf.url()
    );
    let lookup = |name: &str| (name == TOKEN_ENV).then(|| harness::KUBEFLOW_TOKEN.to_string());
    config::from_str(&text, None, &lookup).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(live: &mut Live, text: &str) {
    for c in text.chars() {
        key(live, KeyCode::Char(c));
    }
}

fn journal(dir: &std::path::Path) -> Arc<Journal> {
    Arc::new(Journal::open(&dir.join("journal.jsonl")).unwrap().0)
}

fn last_entry(journal: &Journal) -> Option<Entry> {
    journal.read_all().unwrap().pop()
}

async fn open_versions(live: &mut Live, model: &str) {
    key(live, KeyCode::Char(':'));
    typed(live, &format!("versions {model}"));
    key(live, KeyCode::Enter);
    assert_eq!(live.app.screen, Screen::Versions(model.into()));
    live.until("the versions", Duration::from_secs(30), |app| {
        app.versions.as_ref().is_some_and(|v| !v.loading && (v.snapshot.is_some() || v.error.is_some()))
    })
    .await;
}

fn select(live: &mut Live, version: &str) {
    let at = live.app.versions.as_ref().unwrap().versions().iter().position(|v| v.version == version).unwrap();
    key(live, KeyCode::Char('g'));
    for _ in 0..at {
        key(live, KeyCode::Char('j'));
    }
}

async fn finished(live: &mut Live) {
    live.until("the rollback to finish", Duration::from_secs(60), |app| app.rollback().is_none() && app.busy.is_none())
        .await;
}

/// Opens the versions of `fraud`, selects `target`, and confirms with `note`.
async fn roll_back(live: &mut Live, target: &str, note: &str) {
    open_versions(live, "fraud").await;
    select(live, target);
    key(live, KeyCode::Char('R'));
    assert!(live.app.rollback().is_some(), "no confirmation: {:?}", live.app.message);
    typed(live, note);
    key(live, KeyCode::Enter);
    finished(live).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_with_properties_and_a_verified_rollback_of_the_inference_service() {
    let kf = KubeflowRegistry::start().await;
    let ids = fraud(&kf).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let mut live = Live::start_with(&config(&kf, true, ""), false, Some(journal.clone()));
    open_versions(&mut live, "fraud").await;
    let screen = live.app.versions.as_ref().unwrap();
    assert_eq!(screen.error, None);
    let snapshot = screen.snapshot.clone().expect("the registry answered");
    assert_eq!(snapshot.warnings, Vec::<String>::new());
    assert_eq!(snapshot.live.as_deref(), Some("3"), "the prod record, not staging's");
    assert_eq!(snapshot.versions().iter().map(|v| v.version.as_str()).collect::<Vec<_>>(), ["3", "2", "1"]);
    let v1 = &snapshot.versions()[2];
    assert_eq!(v1.tag("validation_status"), Some("pending"));
    assert_eq!(v1.tag("author"), Some("ana"));
    assert_eq!((v1.status.as_str(), v1.description.as_str()), ("LIVE", "build 1"));
    assert_eq!(snapshot.versions()[0].aliases, ["fraud-prod"]);
    assert_eq!(v1.lineage, modeldeck::domain::Lineage::NotRecorded, "no lineage in this registry");
    let g = &snapshot.governance;
    assert_eq!(g.owner.as_deref(), Some("risk-ml"), "the model's owner field");
    assert_eq!((g.pii.as_deref(), g.data_sources.as_deref()), (Some("no"), Some("s3://features/fraud")));
    assert_eq!(g.validation.as_deref(), Some("approved"));

    select(&mut live, "2");
    key(&mut live, KeyCode::Char('R'));
    let form = live.app.rollback().unwrap_or_else(|| panic!("no confirmation: {:?}", live.app.message));
    assert_eq!(form.plan.spec.label(), "Kubeflow InferenceService record");
    let patch = format!(
        r#"PATCH {}/api/model_registry/v1alpha3/inference_services/{} {{"modelVersionId":"{}"}}"#,
        kf.url(),
        ids.service,
        ids.version("2")
    );
    assert_eq!(form.plan.request[0], patch);
    typed(&mut live, "accuracy regression in v3");
    key(&mut live, KeyCode::Tab);
    typed(&mut live, "fraud");
    key(&mut live, KeyCode::Enter);
    finished(&mut live).await;
    let (_, message) = live.app.message.clone().unwrap();
    assert!(message.contains("rolled back fraud 3 → 2: verified"), "{message}");

    // The registry's own record moved; staging's did not.
    assert_eq!(kf.served(&ids.service).await.as_deref(), Some(ids.version("2")));
    let entry = last_entry(&journal).expect("a journal entry");
    assert_eq!((entry.kind, &entry.result), (Kind::Rollback, &Outcome::Ok));
    assert_eq!(entry.note, "accuracy regression in v3");
    assert_eq!(entry.before.as_ref().unwrap()["version"], "3");
    assert_eq!(entry.after.as_ref().unwrap()["version"], "2");
    let sent = entry.request.as_ref().unwrap()["sent"].as_array().cloned().unwrap();
    assert_eq!(sent.len(), 1, "one write: {sent:?}");
    assert_eq!(sent[0]["method"], "PATCH");
    assert_eq!(sent[0]["body"], serde_json::json!({ "modelVersionId": ids.version("2") }));
    let text = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    assert!(!text.contains(harness::KUBEFLOW_TOKEN), "the token stays out of the journal");

    live.until("the reload", Duration::from_secs(30), |app| {
        app.versions.as_ref().and_then(|v| v.snapshot.as_ref()).and_then(|s| s.live.as_deref()) == Some("2")
    })
    .await;
    let report = kf.assert_every_exchange_valid().await;
    assert_eq!(report.requests("PATCH", &format!("/inference_services/{}", ids.service)).len(), 1);
    let paged =
        report.requests("GET", "/versions").iter().any(|r| r["query"].as_str().unwrap().contains("nextPageToken"));
    assert!(paged, "three versions in pages of two: {:#?}", report.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_validation_gate_refuses_an_unvalidated_target_or_takes_the_journaled_override() {
    let kf = KubeflowRegistry::start().await;
    let ids = fraud(&kf).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());

    let mut live = Live::start_with(&config(&kf, false, ""), false, Some(journal.clone()));
    open_versions(&mut live, "fraud").await;
    select(&mut live, "1");
    key(&mut live, KeyCode::Char('R'));
    assert!(live.app.rollback().is_none());
    let (_, message) = live.app.message.clone().unwrap();
    assert!(message.contains("refused") && message.contains("pending"), "{message}");
    assert!(last_entry(&journal).is_none());
    assert!(kf.report().await.requests("PATCH", "").is_empty(), "nothing was sent");

    let mut live =
        Live::start_with(&config(&kf, false, "[governance]\nallow_override = true"), false, Some(journal.clone()));
    open_versions(&mut live, "fraud").await;
    select(&mut live, "1");
    key(&mut live, KeyCode::Char('R'));
    typed(&mut live, "v2 and v3 both bad");
    key(&mut live, KeyCode::Enter);
    assert!(live.app.rollback().unwrap().error.as_deref().unwrap().contains("not validated"));
    live.send(Event::Key(KeyEvent::new(KeyCode::Char('o'), KeyModifiers::CONTROL)));
    key(&mut live, KeyCode::Enter);
    finished(&mut live).await;
    assert_eq!(kf.served(&ids.service).await.as_deref(), Some(ids.version("1")));
    let entry = last_entry(&journal).unwrap();
    assert_eq!(entry.result, Outcome::Ok);
    assert_eq!(entry.before.as_ref().unwrap()["validation_override"], true);
    assert_eq!(entry.before.as_ref().unwrap()["target_validation"], "pending");
    kf.assert_every_exchange_valid().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_on_the_patch_is_unknown_and_never_retried() {
    let kf = KubeflowRegistry::start().await;
    let ids = fraud(&kf).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let path = format!("inference_services/{}", ids.service);
    kf.fault("PATCH", &path, 500, false).await;
    let mut live = Live::start_with(&config(&kf, false, ""), false, Some(journal.clone()));
    roll_back(&mut live, "2", "v3 regressed").await;
    let (_, message) = live.app.message.clone().unwrap();
    assert!(message.contains("rollback UNKNOWN") && message.contains("HTTP 500"), "{message}");
    let entry = last_entry(&journal).unwrap();
    assert!(
        matches!(&entry.result, Outcome::Unknown { reason } if reason.contains("may yet land")),
        "{:?}",
        entry.result
    );
    assert_eq!(entry.request.as_ref().unwrap()["sent"].as_array().unwrap().len(), 1);
    assert_eq!(kf.served(&ids.service).await.as_deref(), Some(ids.version("3")), "this stand-in did not apply it");
    let report = kf.assert_every_exchange_valid().await;
    assert_eq!(report.requests("PATCH", &format!("/{path}")).len(), 1, "sent once, not retried");

    // A 503 after the change was made: the read-back shows the target, so it is done.
    kf.fault("PATCH", &path, 503, true).await;
    let mut live = Live::start_with(&config(&kf, false, ""), false, Some(journal.clone()));
    roll_back(&mut live, "2", "v3 regressed, again").await;
    let entry = last_entry(&journal).unwrap();
    assert_eq!(entry.result, Outcome::Ok);
    let steps = entry.after.as_ref().unwrap()["steps"].to_string();
    assert!(steps.contains("the answer was lost") && steps.contains("HTTP 503"), "{steps}");
    assert_eq!(kf.served(&ids.service).await.as_deref(), Some(ids.version("2")));
    let report = kf.assert_every_exchange_valid().await;
    assert_eq!(report.requests("PATCH", &format!("/{path}")).len(), 2, "one PATCH per rollback");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_that_moved_since_the_screen_loaded_is_left_alone() {
    let kf = KubeflowRegistry::start().await;
    let ids = fraud(&kf).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = journal(dir.path());
    let mut live = Live::start_with(&config(&kf, false, ""), false, Some(journal.clone()));
    open_versions(&mut live, "fraud").await;
    kf.set_version(&ids.service, ids.version("1")).await;
    select(&mut live, "2");
    key(&mut live, KeyCode::Char('R'));
    typed(&mut live, "back to 2");
    key(&mut live, KeyCode::Enter);
    finished(&mut live).await;
    let (_, message) = live.app.message.clone().unwrap();
    assert!(message.contains("rollback FAILED") && message.contains("moved to 1"), "{message}");
    assert_eq!(kf.served(&ids.service).await.as_deref(), Some(ids.version("1")));
    let entry = last_entry(&journal).unwrap();
    assert_eq!(entry.after.as_ref().unwrap()["version"], "1");
    assert!(entry.request.as_ref().unwrap()["sent"].as_array().unwrap().is_empty());
    kf.assert_every_exchange_valid().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_records_need_a_name_and_an_unset_version_means_the_newest() {
    let kf = KubeflowRegistry::start().await;
    let ids = fraud(&kf).await;
    let (_, found) = kf.api("GET", "serving_environment?name=prod", None).await;
    let prod = found["id"].as_str().unwrap().to_string();
    let (_, model) = kf.api("GET", "registered_model?name=fraud", None).await;
    let canary = kf.inference_service(&prod, "fraud-canary", model["id"].as_str().unwrap(), None).await;

    let ambiguous = config(&kf, false, "");
    let live = Live::start_with(&ambiguous, false, None);
    let snapshot = live.backends().environment(0).registry.load("fraud").await.unwrap();
    assert_eq!(snapshot.live, None);
    assert!(snapshot.warnings.iter().any(|w| w.contains("2 InferenceService records") && w.contains("fraud-canary")));
    let spec = snapshot.spec.expect("a spec");
    assert!(spec.describe("fraud", "prod", None, "2")[0].contains("no InferenceService record"));

    let named = config(&kf, false, "[[model]]\nname = \"fraud\"\ninference_service = \"fraud-canary\"");
    let live = Live::start_with(&named, false, None);
    let snapshot = live.backends().environment(0).registry.load("fraud").await.unwrap();
    assert_eq!(snapshot.live.as_deref(), Some("3"), "no modelVersionId: the newest version");
    let request = snapshot.spec.unwrap().describe("fraud", "prod", Some("3"), "2");
    assert!(request[0].contains(&format!("/inference_services/{canary} ")), "{request:?}");
    assert_eq!(kf.served(&ids.service).await.as_deref(), Some(ids.version("3")));
    kf.assert_every_exchange_valid().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stand_in_refuses_what_the_spec_does_not_allow() {
    // The validator is real: a numeric id, a missing token and an unknown path all break
    // the spec, are answered 599 and recorded.
    let kf = KubeflowRegistry::start().await;
    let ids = fraud(&kf).await;
    let (status, _) = kf
        .api("PATCH", &format!("inference_services/{}", ids.service), Some(serde_json::json!({"modelVersionId": 2})))
        .await;
    assert_eq!(status, 599);
    let url = format!("{}/api/model_registry/v1alpha3/registered_model?name=fraud", kf.url());
    let answer = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 599, "no bearer token");
    let (status, _) = kf.api("GET", "model_registry_of_nowhere", None).await;
    assert_eq!(status, 599);
    let report = kf.report().await;
    assert_eq!(report.violations.len(), 3, "{:#?}", report.violations);
    assert_eq!(report.validated + 3, report.exchanges);
    assert_eq!(kf.served(&ids.service).await.as_deref(), Some(ids.version("3")), "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_model_is_an_error_on_the_screen() {
    let kf = KubeflowRegistry::start().await;
    fraud(&kf).await;
    let mut live = Live::start_with(&config(&kf, false, ""), false, None);
    open_versions(&mut live, "no-such-model").await;
    let error = live.app.versions.as_ref().unwrap().error.clone().expect("an error");
    assert!(error.contains("HTTP 404"), "{error}");
    kf.assert_every_exchange_valid().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_reads_every_models_live_version_from_the_records() {
    use modeldeck::sources::registry::RegistrySource;

    let kf = KubeflowRegistry::start().await;
    let ids = fraud(&kf).await;
    let cfg = config(&kf, false, "");
    let client = modeldeck::backends::http::client(Duration::from_secs(5)).unwrap();
    let source = RegistrySource::for_environment(client, &cfg, 0).expect("a registry source");
    let live = source.snapshot().await.expect("a snapshot").live;
    let expected = [("fraud", "3"), ("churn", "1")].map(|(m, v)| (m.to_string(), v.to_string())).into();
    assert_eq!(live, expected, "prod's records only, not fraud-staging's");

    kf.set_version(&ids.service, ids.version("2")).await;
    assert_eq!(source.snapshot().await.unwrap().live.get("fraud").map(String::as_str), Some("2"));
    let mut console = Live::start_with(&cfg, false, None);
    console.until("VER from the registry", Duration::from_secs(30), |app| app.live_version("fraud") == Some("2")).await;

    let report = kf.assert_every_exchange_valid().await;
    let pages = report.requests("GET", "/model_versions");
    assert!(pages.iter().any(|r| r["query"].as_str().unwrap().contains("nextPageToken")), "{pages:#?}");
}
