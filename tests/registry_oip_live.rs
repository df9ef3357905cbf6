//! The Open Inference Protocol client against a real MLServer 1.7.1 serving `iris` in
//! versions `v1` and `v2` (the harness's stack).

mod harness;

use std::time::Duration;

use harness::{Stack, StackOptions, wait_for};
use modeldeck::backends::call::CallError;
use modeldeck::backends::serving::oip::{OipClient, RepositoryModel};
use modeldeck::domain::Endpoint;
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(10);
const DEADLINE: Duration = Duration::from_secs(60);

fn iris(version: &str, state: &str) -> RepositoryModel {
    RepositoryModel { name: "iris".into(), version: Some(version.into()), state: state.into(), reason: String::new() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_load_unload_ready_and_infer_on_mlserver() {
    let stack = Stack::start_with(StackOptions { mlserver: true, ..Default::default() }).await;
    let url = stack.mlserver_url.clone().expect("MLServer's URL");
    let client = OipClient::new(Endpoint::plain(&url).unwrap(), modeldeck::backends::http::client(TIMEOUT).unwrap());

    let mut index = client.index().await.expect("the index");
    index.sort_by(|a, b| a.version.cmp(&b.version));
    assert_eq!(index, [iris("v1", "READY"), iris("v2", "READY")]);

    // Load acts on every version of the name; afterwards v1 is (still) ready.
    assert_eq!(client.describe_load("iris"), format!("POST {url}/v2/repository/models/iris/load {{}}"));
    client.load("iris").await.expect("load iris");
    wait_for("iris v1 to be ready after the load", DEADLINE, || async {
        client.version_ready("iris", "v1").await == Ok(true)
    })
    .await;

    let sample =
        json!({"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP32", "data": [6.0, 2.7, 5.1, 1.6]}]});
    let answer = client.infer("iris", Some("v1"), &sample).await.expect("infer on v1");
    assert_eq!(answer.model_version.as_deref(), Some("v1"));
    assert_eq!(answer.summary, "predict=[2]");
    let default = client.infer("iris", None, &sample).await.expect("infer on the default version");
    assert_eq!(default.model_version.as_deref(), Some("v2"), "MLServer's default is the largest version");

    // Unknown things are refused with MLServer's own message.
    let unknown = CallError::NotApplied("HTTP 404: Model nope not found".into());
    assert_eq!(client.load("nope").await, Err(unknown.clone()));
    assert_eq!(client.infer("nope", None, &sample).await.unwrap_err(), unknown);
    assert_eq!(client.version_ready("iris", "v9").await, Ok(false));
    let no_shape = json!({"inputs": [{"name": "x", "datatype": "FP32", "data": [1]}]});
    let invalid = client.infer("iris", Some("v1"), &no_shape).await.unwrap_err();
    assert!(
        matches!(&invalid, CallError::NotApplied(m) if m == "HTTP 422: body.inputs.0.shape: Field required"),
        "{invalid:?}"
    );

    // Unload takes every version down; a load brings them all back.
    client.unload("iris").await.expect("unload iris");
    let mut index = client.index().await.expect("the index");
    index.sort_by(|a, b| a.version.cmp(&b.version));
    assert_eq!(index, [iris("v1", "UNAVAILABLE"), iris("v2", "UNAVAILABLE")]);
    assert_eq!(client.version_ready("iris", "v1").await, Ok(false));
    client.load("iris").await.expect("load iris again");
    wait_for("both iris versions to be ready again", DEADLINE, || async {
        client.version_ready("iris", "v1").await == Ok(true) && client.version_ready("iris", "v2").await == Ok(true)
    })
    .await;
}

#[tokio::test]
async fn a_closed_port_is_not_applied() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = OipClient::new(Endpoint::plain(&url).unwrap(), modeldeck::backends::http::client(TIMEOUT).unwrap());
    assert_eq!(client.load("iris").await, Err(CallError::NotApplied("connection refused".into())));
}
