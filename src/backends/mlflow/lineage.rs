//! The data a version was trained on: the dataset inputs of its run (`GET runs/get`,
//! `run.inputs.dataset_inputs[]`, each a `dataset {name, digest, source_type, source}` with
//! tags such as `mlflow.data.context`). Strings are kept raw; nothing here panics.

use serde_json::Value;

use crate::domain::DatasetInput;
use crate::domain::sanitize;

/// The dataset inputs of a `runs/get` answer; empty when the run logged none (MLflow then
/// leaves out `inputs` or `dataset_inputs`). Inputs without a dataset name are skipped.
pub fn parse_run_datasets(body: &[u8]) -> Result<Vec<DatasetInput>, String> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| sanitize::clean(&format!("the answer is not JSON: {e}")))?;
    let run = root.get("run").and_then(Value::as_object).ok_or("no `run` in the answer")?;
    let inputs = run.get("inputs").and_then(|i| i.get("dataset_inputs")).and_then(Value::as_array);
    Ok(inputs.into_iter().flatten().filter_map(dataset_input).collect())
}

fn dataset_input(input: &Value) -> Option<DatasetInput> {
    let dataset = input.get("dataset")?;
    let text = |key: &str| dataset.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let name = text("name");
    if name.is_empty() {
        return None;
    }
    let context = input
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|t| t.get("key").and_then(Value::as_str) == Some("mlflow.data.context"))
        .and_then(|t| t.get("value")?.as_str())
        .unwrap_or_default()
        .to_string();
    Some(DatasetInput {
        name,
        digest: text("digest"),
        source_type: text("source_type"),
        source: text("source"),
        context,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_inputs_with_their_context() {
        let body = br#"{"run": {"info": {"run_id": "r1"}, "inputs": {"dataset_inputs": [
            {"tags": [{"key": "mlflow.data.context", "value": "training"}],
             "dataset": {"name": "transactions", "digest": "a1b2", "source_type": "s3", "source": "s3://d/t.parquet"}},
            {"dataset": {"name": "holdout\u001b[2J", "digest": "c3"}},
            {"dataset": {"digest": "no name"}}, 7, {"tags": 3}]}}}"#;
        let sets = parse_run_datasets(body).unwrap();
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].label(), "transactions@a1b2");
        assert_eq!((sets[0].context.as_str(), sets[0].source.as_str()), ("training", "s3://d/t.parquet"));
        assert_eq!(sets[1].name, "holdout\u{1b}[2J");
        assert_eq!(sets[1].context, "");
    }

    #[test]
    fn a_run_without_inputs_and_odd_answers() {
        assert!(parse_run_datasets(br#"{"run": {"info": {}, "inputs": {}}}"#).unwrap().is_empty());
        assert!(parse_run_datasets(br#"{"run": {"inputs": {"dataset_inputs": {}}}}"#).unwrap().is_empty());
        for bad in [&b""[..], b"[]", b"{}", b"{\"run\": 1}", b"\xff"] {
            assert!(parse_run_datasets(bad).is_err());
        }
    }
}
