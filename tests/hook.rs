//! Command hooks with real programs and scripts: no shell between the template and the
//! program, timeouts that take the whole process group down, exit codes, captured and
//! sanitised output.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use modeldeck::backends::hook::{self, HookRun};
use tempfile::TempDir;
use tokio::sync::Mutex;

/// One test at a time: a script written while another thread forks can fail to start with
/// ETXTBSY (the forked child briefly holds the script's write descriptor).
static SERIAL: Mutex<()> = Mutex::const_new(());

const TIMEOUT: Duration = Duration::from_secs(10);

fn script(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Whether process `pid` is gone (or dead and waiting to be reaped by init).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

async fn wait_gone(pid: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone(pid) {
        assert!(Instant::now() < deadline, "process {pid} is still alive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn read_pid(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).trim().to_string()
}

#[tokio::test]
async fn values_arrive_as_single_literal_arguments() {
    let _serial = SERIAL.lock().await;
    let dir = TempDir::new().unwrap();
    let canary = dir.path().join("x");
    std::fs::create_dir(&canary).unwrap();
    let args = dir.path().join("args");
    let record = script(
        dir.path(),
        "record",
        &format!("for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'", args.display()),
    );
    let pwned = dir.path().join("pwned");
    let evil = format!("fraud; rm -rf {}", canary.display());
    let sub = format!("$(id)$(touch {})`touch {}`", pwned.display(), pwned.display());

    let template = strings(&[&record, "--model={model}", "{version}", "{{braces}}"]);
    let argv = hook::render(&template, &[("model", &evil), ("version", &sub)]).unwrap();
    let run = hook::run(&argv, TIMEOUT).await.unwrap();

    assert!(run.ok(), "{run:?}");
    assert_eq!(run.summary(), "exit 0");
    let lines = std::fs::read_to_string(&args).unwrap();
    assert_eq!(lines, format!("--model={evil}\n{sub}\n{{braces}}\n"));
    assert!(canary.is_dir(), "the rm ran");
    assert!(!pwned.exists(), "a command substitution ran");
    let shown = hook::display(&argv);
    assert!(shown.ends_with(&format!("'--model={evil}' '{sub}' '{{braces}}'")), "{shown}");
}

#[tokio::test]
async fn a_hung_command_is_killed_at_the_timeout() {
    let _serial = SERIAL.lock().await;
    let dir = TempDir::new().unwrap();
    let pid = dir.path().join("pid");
    let argv = strings(&["sh", "-c", &format!("echo $$ > '{}'; echo started; exec sleep 600", pid.display())]);
    let started = Instant::now();
    let run = hook::run(&argv, Duration::from_secs(1)).await.unwrap();
    assert!(run.timed_out && !run.ok(), "{run:?}");
    assert_eq!((run.exit_code, run.signal), (None, Some(9)));
    assert_eq!(run.summary(), "killed after 1 s (timeout)");
    assert_eq!(run.output, "started\n");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    wait_gone(&read_pid(&pid)).await;
}

#[tokio::test]
async fn a_timeout_kills_the_children_of_a_script_too() {
    let _serial = SERIAL.lock().await;
    let dir = TempDir::new().unwrap();
    let child = dir.path().join("child.pid");
    let body = format!("sleep 600 &\necho $! > '{}'\necho waiting >&2\nwait", child.display());
    let argv = vec![script(dir.path(), "spawner", &body)];
    let run = hook::run(&argv, Duration::from_secs(1)).await.unwrap();
    assert!(run.timed_out, "{run:?}");
    assert_eq!(run.output, "waiting\n");
    wait_gone(&read_pid(&child)).await;
}

#[tokio::test]
async fn a_failing_command_reports_its_exit_code_and_output() {
    let _serial = SERIAL.lock().await;
    let dir = TempDir::new().unwrap();
    let argv = vec![script(dir.path(), "fail", "echo 'to stdout'\necho 'to stderr' >&2\nexit 3")];
    let run: HookRun = hook::run(&argv, TIMEOUT).await.unwrap();
    assert!(!run.ok() && !run.timed_out);
    assert_eq!((run.exit_code, run.signal), (Some(3), None));
    assert_eq!(run.summary(), "exit 3");
    assert!(run.output.contains("to stdout") && run.output.contains("to stderr"), "{:?}", run.output);
    assert_eq!(run.argv, argv);
}

#[tokio::test]
async fn a_signal_is_reported() {
    let _serial = SERIAL.lock().await;
    let run = hook::run(&strings(&["sh", "-c", "kill -TERM $$"]), TIMEOUT).await.unwrap();
    assert_eq!((run.exit_code, run.signal, run.timed_out), (None, Some(15), false));
    assert_eq!(run.summary(), "killed by signal 15");
}

#[tokio::test]
async fn a_missing_program_is_an_error_naming_it() {
    let _serial = SERIAL.lock().await;
    let err = hook::run(&strings(&["/nonexistent/deploy-model", "x"]), TIMEOUT).await.unwrap_err();
    assert!(err.contains("/nonexistent/deploy-model") && err.contains("not found"), "{err}");
    let err = hook::run(&strings(&["modeldeck-no-such-program"]), TIMEOUT).await.unwrap_err();
    assert!(err.contains("modeldeck-no-such-program"), "{err}");
    assert!(hook::run(&[], TIMEOUT).await.unwrap_err().contains("empty"));
}

#[tokio::test]
async fn output_is_kept_raw_and_capped_at_its_end() {
    let _serial = SERIAL.lock().await;
    let colour = hook::run(&strings(&["printf", "red \\033[31mtext\\033[0m\\n\\tnext\\a"]), TIMEOUT).await.unwrap();
    // As the command wrote it: the journal keeps it so; views make it inert.
    assert_eq!(colour.output, "red \x1b[31mtext\x1b[0m\n\tnext\x07");

    let flood = "head -c 300000 /dev/zero | tr '\\0' 'a'; echo; echo the end";
    let run = hook::run(&strings(&["sh", "-c", flood]), TIMEOUT).await.unwrap();
    assert!(run.ok());
    assert!(run.output.starts_with("[output cut: the first "), "{}", &run.output[..60]);
    assert!(run.output.ends_with("\nthe end\n"));
    assert!(run.output.len() < hook::OUTPUT_MAX + 100, "{}", run.output.len());
}

#[tokio::test]
async fn a_background_process_left_behind_does_not_hold_the_hook() {
    let _serial = SERIAL.lock().await;
    let dir = TempDir::new().unwrap();
    let pid = dir.path().join("bg.pid");
    let argv = strings(&["sh", "-c", &format!("sleep 600 & echo $! > '{}'; echo done", pid.display())]);
    let started = Instant::now();
    let run = hook::run(&argv, TIMEOUT).await.unwrap();
    assert!(run.ok() && run.output == "done\n", "{run:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let pid = read_pid(&pid);
    assert!(!gone(&pid), "a hook that exits in time keeps what it started");
    let _ = std::process::Command::new("kill").arg(&pid).status();
    wait_gone(&pid).await;
}
