//! Secrets others can read: a `token_file`/`password_file`, or the config itself while it
//! references secrets, that is open to its group or to everyone draws a warning with the
//! exact `chmod 600` fix: in the log at startup, on stderr for `modeldeck status`, and in
//! the console's header for its first seconds.

mod tmux;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use tmux::Tmux;

struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
    token: PathBuf,
    log: PathBuf,
}

/// A config whose Prometheus reads its token from a file; nothing listens at the URLs, and
/// nothing needs to: the warnings come before the first request.
fn setup(extra: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("modeldeck.toml");
    let token = dir.path().join("prom.token");
    let log = dir.path().join("modeldeck.log");
    std::fs::write(&token, "s3cr3t-prom-token\n").unwrap();
    std::fs::write(
        &config,
        format!(
            "timeout = \"1s\"\n[log]\nfile = \"{}\"\n[journal]\npath = \"{}\"\n[[environment]]\nname = \"staging\"\nprometheus = {{ url = \"http://127.0.0.1:1\", token_file = \"{}\" }}\nalertmanagers = [\"http://127.0.0.1:1\"]\n{extra}",
            log.display(),
            dir.path().join("journal.jsonl").display(),
            token.display()
        ),
    )
    .unwrap();
    Setup { dir, config, token, log }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn status(setup: &Setup) -> Output {
    Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .arg("--config")
        .arg(&setup.config)
        .arg("status")
        .env("XDG_STATE_HOME", setup.dir.path())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn status_names_each_open_file_with_its_fix_on_stderr_and_in_the_log() {
    let setup = setup("");
    chmod(&setup.token, 0o644);
    chmod(&setup.config, 0o640);
    let said = stderr(&status(&setup));
    let token_fix = format!("chmod 600 {}", setup.token.display());
    let config_fix = format!("chmod 600 {}", setup.config.display());
    assert!(
        said.contains(&format!(
            "modeldeck: warning: secret file {} is open to every user (mode 0644): run `{token_fix}`",
            setup.token.display()
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!(
            "modeldeck: warning: config file {} is open to its group (mode 0640): run `{config_fix}`",
            setup.config.display()
        )),
        "{said}"
    );
    let log = std::fs::read_to_string(&setup.log).unwrap();
    assert!(log.contains("WARN") && log.contains(&token_fix) && log.contains(&config_fix), "{log}");
    assert!(!said.contains("s3cr3t-prom-token") && !log.contains("s3cr3t-prom-token"));

    // Fixed as told: not a word.
    chmod(&setup.token, 0o600);
    chmod(&setup.config, 0o600);
    let said = stderr(&status(&setup));
    assert!(!said.contains("chmod"), "{said}");
}

#[test]
fn a_config_that_references_no_secret_may_be_readable() {
    let setup = setup("");
    let plain = setup.dir.path().join("plain.toml");
    std::fs::write(
        &plain,
        "timeout = \"1s\"\n[[environment]]\nname = \"s\"\nprometheus = { url = \"http://127.0.0.1:1\" }\n",
    )
    .unwrap();
    chmod(&plain, 0o644);
    let out = Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .arg("--config")
        .arg(&plain)
        .arg("status")
        .env("XDG_STATE_HOME", setup.dir.path())
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("chmod"), "{}", stderr(&out));
}

#[test]
fn header_values_in_the_config_make_its_mode_matter() {
    let setup = setup(
        r#"[[model]]
name = "fraud-detector"
retrain = { kind = "webhook", url = "http://127.0.0.1:1/hook", headers = { "X-Api-Key" = "k3y" }, body = { model = "{model}" } }
"#,
    );
    chmod(&setup.token, 0o600);
    chmod(&setup.config, 0o604);
    let said = stderr(&status(&setup));
    assert!(said.contains(&format!("run `chmod 600 {}`", setup.config.display())), "{said}");
    assert!(!said.contains(&format!("chmod 600 {}", setup.token.display())), "{said}");
}

#[test]
fn plain_header_values_do_not_make_the_config_secret() {
    let setup = setup("");
    let plain = setup.dir.path().join("plain.toml");
    let webhook = |headers: &str| {
        format!(
            "timeout = \"1s\"\n[[environment]]\nname = \"s\"\nprometheus = {{ url = \"http://127.0.0.1:1\" }}\n\
             [[model]]\nname = \"fraud-detector\"\nretrain = {{ kind = \"webhook\", url = \"http://127.0.0.1:1/hook\", headers = {headers}, body = {{ model = \"{{model}}\" }} }}\n"
        )
    };
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_modeldeck"))
            .arg("--config")
            .arg(&plain)
            .arg("status")
            .env("XDG_STATE_HOME", setup.dir.path())
            .output()
            .unwrap();
        stderr(&out)
    };
    std::fs::write(&plain, webhook(r#"{ "X-Team" = "ml-platform" }"#)).unwrap();
    chmod(&plain, 0o644);
    let said = run();
    assert!(!said.contains("chmod"), "a team name is no secret: {said}");
    // The same file with a key in a header does draw the warning.
    std::fs::write(&plain, webhook(r#"{ "X-Team" = "ml-platform", "X-Api-Key" = "k3y" }"#)).unwrap();
    let said = run();
    assert!(said.contains(&format!("run `chmod 600 {}`", plain.display())), "{said}");
}

#[test]
fn the_console_shows_the_warning_in_its_header_then_the_sources() {
    let setup = setup("");
    chmod(&setup.token, 0o644);
    chmod(&setup.config, 0o600);
    let bin = env!("CARGO_BIN_EXE_modeldeck");
    let tmux = Tmux::start(
        "permissions",
        &format!("XDG_STATE_HOME={} {bin} --config {}", setup.dir.path().display(), setup.config.display()),
    );
    let fix = format!("chmod 600 {}", setup.token.display());
    let screen = tmux.wait("the warning in the header", Duration::from_secs(20), |s| s.contains(&fix));
    let notice = screen.lines().find(|l| l.contains(&fix)).unwrap();
    assert!(notice.contains("⚠ run `"), "{screen}");
    // The sources' health stays on the top line meanwhile: the notice has a line of its own.
    let top = screen.lines().next().unwrap_or("");
    assert!(top.contains("modeldeck") && top.contains("prom") && !top.contains("chmod"), "{screen}");
    // It is a startup notice: the header goes back to the sources after its seconds.
    let screen = tmux.wait("the header without the notice", Duration::from_secs(30), |s| !s.contains(&fix));
    assert!(screen.lines().next().unwrap_or("").contains("prom"), "{screen}");
    tmux.keys(&["q"]);
    tmux.assert_restored();
}
