//! Data lineage per version against a real MLflow 3.17.2 server: runs that log their
//! datasets (`runs/log-inputs`), versions registered from those runs, and the lineage carried
//! through the versions screen, the rollback confirmation, the journal and its export.

mod harness;
mod live;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use harness::Mlflow;
use live::Live;
use modeldeck::config;
use modeldeck::domain::{Event, Lineage};
use modeldeck::journal::export::{Filter, to_markdown};
use modeldeck::journal::{Journal, Kind, Outcome, verify_file};
use serde_json::json;

/// A run in the default experiment that logged `datasets` as `(name, digest, context)`;
/// returns its id.
async fn run_with_datasets(mlflow: &Mlflow, datasets: &[(&str, &str, &str)]) -> String {
    let run = mlflow.call("POST", "runs/create", json!({"experiment_id": "0"})).await;
    let run_id = run["run"]["info"]["run_id"].as_str().unwrap_or_else(|| panic!("no run id in {run}")).to_string();
    let datasets: Vec<_> = datasets
        .iter()
        .map(|(name, digest, context)| {
            json!({
                "dataset": {"name": name, "digest": digest, "source_type": "s3",
                            "source": format!("{{\"uri\": \"s3://data/{name}.parquet\"}}")},
                "tags": [{"key": "mlflow.data.context", "value": context}],
            })
        })
        .collect();
    if !datasets.is_empty() {
        mlflow.call("POST", "runs/log-inputs", json!({"run_id": run_id, "datasets": datasets})).await;
    }
    run_id
}

/// `name` with v1 trained on `tx-2026-10`, v2 from a run that logged nothing, v3 on
/// `tx-2026-11` (evaluated on a holdout); `champion` on v3, all approved.
async fn model_with_lineage(mlflow: &Mlflow, name: &str) {
    mlflow.create_model(name, "lineage", &[]).await;
    let runs = [
        run_with_datasets(mlflow, &[("tx-2026-10", "d10", "training")]).await,
        run_with_datasets(mlflow, &[]).await,
        run_with_datasets(mlflow, &[("tx-2026-11", "d11", "training"), ("holdout", "h1", "evaluation")]).await,
    ];
    for (i, run_id) in runs.iter().enumerate() {
        let body = json!({"name": name, "source": format!("s3://ml-models/{name}/v{}", i + 1), "run_id": run_id,
                          "tags": [{"key": "validation_status", "value": "approved"}]});
        mlflow.call("POST", "model-versions/create", body).await;
    }
    mlflow.set_alias(name, "champion", "3").await;
}

fn key(live: &mut Live, code: KeyCode) {
    live.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(live: &mut Live, text: &str) {
    text.chars().for_each(|c| key(live, KeyCode::Char(c)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_carry_their_runs_datasets_into_the_rollback_and_its_journal_entry() {
    let mlflow = Mlflow::shared().await;
    let model = "fraud-lineage";
    model_with_lineage(mlflow, model).await;
    let text = format!(
        "refresh = \"1s\"\ntimeout = \"5s\"\n[[environment]]\nname = \"prod\"\nprometheus = {{ url = \"http://127.0.0.1:9\" }}\nregistry = {{ url = \"{}\" }}\n",
        mlflow.url()
    );
    let config = config::from_str(&text, None, &|_| None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let journal = Arc::new(Journal::open(&path).unwrap().0);
    let mut live = Live::start_with(&config, false, Some(journal.clone()));

    typed(&mut live, ":");
    typed(&mut live, &format!("versions {model}"));
    key(&mut live, KeyCode::Enter);
    live.until("the versions", Duration::from_secs(30), |app| {
        app.versions.as_ref().is_some_and(|v| !v.loading && (v.snapshot.is_some() || v.error.is_some()))
    })
    .await;
    let snapshot = live.app.versions.as_ref().unwrap().snapshot.clone().expect("the registry answered");
    assert!(snapshot.warnings.is_empty(), "{:?}", snapshot.warnings);
    let lineage = |v: &str| snapshot.registered.as_ref().unwrap().version(v).unwrap().lineage.clone();
    let Lineage::Datasets(v3) = lineage("3") else { panic!("v3 lineage: {:?}", lineage("3")) };
    let mut seen: Vec<_> = v3.iter().map(|d| (d.label(), d.context.clone(), d.source_type.clone())).collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("holdout@h1".into(), "evaluation".into(), "s3".into()),
            ("tx-2026-11@d11".into(), "training".into(), "s3".into())
        ]
    );
    assert!(v3.iter().any(|d| d.source.contains("s3://data/tx-2026-11.parquet")), "{v3:?}");
    assert_eq!(lineage("2"), Lineage::Datasets(Vec::new()), "a run that logged nothing");
    assert_eq!(lineage("1").summary(), ["tx-2026-10@d10 (training)"]);

    // v1 is the oldest: g then j j.
    key(&mut live, KeyCode::Char('g'));
    key(&mut live, KeyCode::Char('j'));
    key(&mut live, KeyCode::Char('j'));
    key(&mut live, KeyCode::Char('R'));
    let form = live.app.rollback().expect("the confirmation");
    assert_eq!(form.plan.target, "1");
    assert_eq!(form.plan.target_data, ["tx-2026-10@d10 (training)"]);
    typed(&mut live, "back to the October data");
    key(&mut live, KeyCode::Enter);
    live.until("the rollback to finish", Duration::from_secs(60), |app| app.rollback().is_none() && app.busy.is_none())
        .await;
    assert_eq!(mlflow.alias(model, "champion").await.as_deref(), Some("1"));

    let entry = journal.read_all().unwrap().pop().expect("a journal entry");
    assert_eq!((entry.kind, &entry.result), (Kind::Rollback, &Outcome::Ok));
    assert_eq!(entry.before.as_ref().unwrap()["target_data"], json!(["tx-2026-10@d10 (training)"]));
    let entries = journal.read_all().unwrap();
    let refs: Vec<_> = entries.iter().collect();
    let verification = verify_file(&path).unwrap();
    let md = to_markdown(&refs, &verification, "journal.jsonl", &Filter::parse(None, None, None).unwrap());
    assert!(md.contains("\"target_data\": [\n    \"tx-2026-10@d10 (training)\"\n  ]"), "{md}");
}
