//! The MLflow registry client against a real MLflow 3.17.2 server (one per test binary,
//! shared; every test uses model names of its own), and against sockets that refuse or
//! never answer.

mod harness;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use harness::Mlflow;
use modeldeck::backends::call::CallError;
use modeldeck::backends::mlflow::MlflowClient;
use modeldeck::domain::Endpoint;

const TIMEOUT: Duration = Duration::from_secs(10);

fn client(mlflow: &Mlflow) -> MlflowClient {
    MlflowClient::new(mlflow.endpoint(), modeldeck::backends::http::client(TIMEOUT).unwrap())
}

/// `name` with three versions, `validation_status` tags, and `champion` on version 3.
async fn three_versions(mlflow: &Mlflow, name: &str) {
    mlflow.create_model(name, "Card-fraud classifier", &[("team", "risk"), ("owner", "ml-platform")]).await;
    for (i, status) in [(1, "approved"), (2, "approved"), (3, "pending")] {
        let source = format!("s3://ml-models/{name}/v{i}");
        let sha = format!("abc00{i}");
        let tags = [("validation_status", status), ("git_sha", sha.as_str())];
        let version = mlflow.create_version(name, &source, &format!("build {i}"), &tags).await;
        assert_eq!(version, i.to_string());
    }
    mlflow.set_alias(name, "champion", "3").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_lists_versions_newest_first_with_aliases_tags_and_sources() {
    let mlflow = Mlflow::shared().await;
    let name = "fraud-list";
    three_versions(mlflow, name).await;
    mlflow.set_alias(name, "challenger", "3").await;
    mlflow.set_alias(name, "previous", "1").await;

    let model = client(mlflow).model(name).await.expect("the model");
    assert_eq!(model.name, name);
    assert_eq!(model.description, "Card-fraud classifier");
    assert_eq!(model.tags, [("owner".into(), "ml-platform".into()), ("team".into(), "risk".into())]);
    assert_eq!(model.alias("champion"), Some("3"));
    assert_eq!(model.alias("previous"), Some("1"));
    let versions: Vec<&str> = model.versions.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(versions, ["3", "2", "1"]);

    let v3 = model.version("3").expect("version 3");
    assert_eq!(v3.aliases, ["challenger", "champion"]);
    assert_eq!(v3.source, format!("s3://ml-models/{name}/v3"));
    assert_eq!((v3.description.as_str(), v3.status.as_str()), ("build 3", "READY"));
    assert_eq!(v3.tag("validation_status"), Some("pending"));
    assert_eq!(v3.tags, [("git_sha".into(), "abc003".into()), ("validation_status".into(), "pending".into())]);
    assert!(v3.created.is_some_and(|t| t <= jiff::Timestamp::now()), "{:?}", v3.created);
    assert!(model.version("2").expect("version 2").aliases.is_empty());
    assert_eq!(model.version("1").expect("version 1").aliases, ["previous"]);
    assert_eq!(model.version("1").unwrap().tag("validation_status"), Some("approved"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_alias_moves_it_and_alias_reads_it_back() {
    let mlflow = Mlflow::shared().await;
    let name = "fraud-rollback";
    three_versions(mlflow, name).await;
    let client = client(mlflow);
    assert_eq!(client.alias(name, "champion").await, Ok(Some("3".to_string())));

    client.set_alias(name, "champion", "2").await.expect("set the alias");
    assert_eq!(client.alias(name, "champion").await, Ok(Some("2".to_string())));
    assert_eq!(mlflow.alias(name, "champion").await.as_deref(), Some("2"));
    assert_eq!(client.model(name).await.unwrap().version("2").unwrap().aliases, ["champion"]);

    assert_eq!(
        client.describe_set_alias(name, "champion", "2"),
        format!(
            r#"POST {}/api/2.0/mlflow/registered-models/alias {{"name":"fraud-rollback","alias":"champion","version":"2"}}"#,
            mlflow.url()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_alias_is_none_and_unknown_things_are_not_applied() {
    let mlflow = Mlflow::shared().await;
    let name = "fraud-unknowns";
    three_versions(mlflow, name).await;
    let client = client(mlflow);
    assert_eq!(client.alias(name, "nope").await, Ok(None));

    let err = client.model("no-such-model").await.unwrap_err();
    assert_eq!(
        err,
        CallError::NotApplied("RESOURCE_DOES_NOT_EXIST: Registered Model with name=no-such-model not found".into())
    );
    let err = client.set_alias(name, "champion", "9").await.unwrap_err();
    assert!(matches!(&err, CallError::NotApplied(m) if m.contains("RESOURCE_DOES_NOT_EXIST")), "{err:?}");
    let err = client.set_alias(name, "latest", "1").await.unwrap_err();
    assert!(matches!(&err, CallError::NotApplied(m) if m.starts_with("INVALID_PARAMETER_VALUE: ")), "{err:?}");
    assert_eq!(mlflow.alias(name, "champion").await.as_deref(), Some("3"), "nothing moved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_version_tag_is_visible_through_the_api() {
    let mlflow = Mlflow::shared().await;
    let name = "fraud-tags";
    three_versions(mlflow, name).await;
    let client = client(mlflow);
    client.set_version_tag(name, "2", "modeldeck.rollback_note", "accuracy 0.85 < 0.9").await.expect("set the tag");
    let tags = mlflow.version_tags(name, "2").await;
    assert!(tags.contains(&("modeldeck.rollback_note".into(), "accuracy 0.85 < 0.9".into())), "{tags:?}");
    let model = client.model(name).await.unwrap();
    assert_eq!(model.version("2").unwrap().tag("modeldeck.rollback_note"), Some("accuracy 0.85 < 0.9"));
    let err = client.set_version_tag(name, "9", "k", "v").await.unwrap_err();
    assert!(matches!(err, CallError::NotApplied(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_with_quotes_find_their_own_versions_only() {
    // MLflow's filter has no escape for quotes: the client has to pick the quoting.
    let mlflow = Mlflow::shared().await;
    for (name, versions) in [("o'brien", 2), ("a\"b'c", 1), ("a'b\"c", 3)] {
        mlflow.create_model(name, "", &[]).await;
        for i in 1..=versions {
            mlflow.create_version(name, &format!("s3://ml-models/quotes/{i}"), "", &[]).await;
        }
    }
    let client = client(mlflow);
    for (name, count) in [("o'brien", 2), ("a\"b'c", 1), ("a'b\"c", 3)] {
        let model = client.model(name).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(model.versions.len(), count, "{name}: {:?}", model.versions);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_text_refusal_is_shown_with_its_status() {
    // MLflow's security middleware refuses a foreign Host header in plain text.
    let mlflow = Mlflow::shared().await;
    let mut endpoint = mlflow.endpoint();
    endpoint.headers.push(("Host".into(), "evil.example.com".into()));
    let client = MlflowClient::new(endpoint, modeldeck::backends::http::client(TIMEOUT).unwrap());
    let err = client.set_alias("anything", "champion", "1").await.unwrap_err();
    assert_eq!(
        err,
        CallError::NotApplied("HTTP 403: Invalid Host header - possible DNS rebinding attack detected".into())
    );
}

#[tokio::test]
async fn a_closed_port_is_not_applied() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = MlflowClient::new(Endpoint::plain(&url).unwrap(), modeldeck::backends::http::client(TIMEOUT).unwrap());
    assert_eq!(client.set_alias("m", "champion", "1").await, Err(CallError::NotApplied("connection refused".into())));
    assert!(matches!(client.model("m").await, Err(CallError::NotApplied(_))));
}

#[tokio::test]
async fn a_server_that_never_answers_leaves_the_outcome_unknown() {
    // Held open and never accepted: the kernel completes the handshake, takes the request
    // and nobody answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let client = MlflowClient::new(
        Endpoint::plain(&url).unwrap(),
        modeldeck::backends::http::client(Duration::from_secs(1)).unwrap(),
    );
    let started = Instant::now();
    let err = client.set_alias("m", "champion", "1").await.unwrap_err();
    assert!(matches!(&err, CallError::Unknown(m) if m.contains("timed out")), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
    assert!(matches!(client.alias("m", "champion").await, Err(CallError::Unknown(_))));
    drop(listener);
}
