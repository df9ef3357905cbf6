//! The real `modeldeck` binary run as an operator's shell runs it: a config file in a
//! temporary directory (with its own journal and log file), the arguments, and what came
//! back: exit status, stdout, stderr, and the journal's entries.
#![allow(dead_code)]

use std::path::PathBuf;

use modeldeck::journal::Entry;
use serde_json::Value;
use tempfile::TempDir;

pub struct Shell {
    pub dir: TempDir,
    pub config: PathBuf,
    pub journal: PathBuf,
}

#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// The `--json` document on stdout.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }
}

impl Shell {
    /// `config` is the file's text; the journal and the log go to the temporary directory.
    pub fn new(config: &str) -> Shell {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.jsonl");
        let path = dir.path().join("modeldeck.toml");
        let text = format!(
            "{config}\n[journal]\npath = \"{}\"\n[log]\nfile = \"{}\"\n",
            journal.display(),
            dir.path().join("modeldeck.log").display()
        );
        std::fs::write(&path, text).unwrap();
        Shell { dir, config: path, journal }
    }

    pub async fn run(&self, args: &[&str]) -> Ran {
        self.run_with(args, &[]).await
    }

    /// With extra environment variables (secrets the config names by `*_env`).
    pub async fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Ran {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"));
        command.arg("--config").arg(&self.config).args(args).env_remove("MODELDECK_CONFIG");
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().await.expect("run modeldeck");
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Every entry of the journal, in order; none when it does not exist yet.
    pub fn entries(&self) -> Vec<Entry> {
        let text = std::fs::read_to_string(&self.journal).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }

    /// The entries that hold a result, each checked to name an earlier `started` entry when
    /// it is a rollback or a retraining (written before the request left).
    pub fn results(&self) -> Vec<Entry> {
        let all = self.entries();
        let started = |e: &Entry| e.request.as_ref().and_then(|r| r["started"].as_str().map(str::to_string));
        all.iter()
            .filter(|e| e.result != modeldeck::journal::Outcome::Started)
            .inspect(|e| {
                if matches!(e.kind, modeldeck::journal::Kind::Rollback | modeldeck::journal::Kind::Retrain) {
                    let id = started(e).unwrap_or_else(|| panic!("no started entry named: {e:?}"));
                    let first = all.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("started {id} missing"));
                    assert!(first.seq < e.seq && first.result == modeldeck::journal::Outcome::Started, "{first:?}");
                }
            })
            .cloned()
            .collect()
    }
}
