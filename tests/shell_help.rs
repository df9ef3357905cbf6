//! `modeldeck completions bash|zsh|fish` and `modeldeck man`, run as the real binary: the
//! bash script is loaded into bash and asked to complete, the man page is rendered by
//! groff. Neither needs a config, so both run with none in reach.

use std::process::{Command, Output};

/// Every subcommand the binary has, as a shell user types it.
const SUBCOMMANDS: [&str; 9] =
    ["status", "journal", "init", "ack", "unack", "rollback", "retrain", "completions", "man"];

fn modeldeck(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .args(args)
        // No config anywhere: these commands must not need one.
        .env("MODELDECK_CONFIG", "/nonexistent/modeldeck.toml")
        .env("HOME", "/nonexistent")
        .output()
        .expect("run modeldeck");
    assert!(out.status.success(), "modeldeck {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// What bash's completion offers for `words`, the script sourced as a user's shell would.
fn bash_completes(script: &str, words: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("modeldeck.bash");
    std::fs::write(&path, script).unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let probe = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         func=$(complete -p modeldeck | sed -E 's/.*-F ([^ ]+).*/\\1/')\n\"$func\" modeldeck '{}' '{}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        path.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash").arg("--norc").arg("-c").arg(&probe).output().expect("run bash");
    assert!(out.status.success(), "bash: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_the_subcommands_and_their_options() {
    let script = String::from_utf8(modeldeck(&["completions", "bash"]).stdout).unwrap();
    let offered = bash_completes(&script, &["modeldeck", ""]);
    for sub in SUBCOMMANDS {
        assert!(offered.iter().any(|w| w == sub), "`modeldeck <TAB>` lacks {sub}: {offered:?}");
    }
    let ack = bash_completes(&script, &["modeldeck", "ack", "--"]);
    for option in ["--model", "--alert", "--comment", "--yes", "--dry-run"] {
        assert!(ack.iter().any(|w| w == option), "`modeldeck ack --<TAB>` lacks {option}: {ack:?}");
    }
    let offered = bash_completes(&script, &["modeldeck", "completions", ""]);
    let shells: Vec<&String> = offered.iter().filter(|w| !w.starts_with('-')).collect();
    assert_eq!(shells, ["bash", "zsh", "fish"], "{offered:?}");
    assert_eq!(bash_completes(&script, &["modeldeck", "completions", "z"]), ["zsh"]);
}

#[test]
fn zsh_and_fish_scripts_name_every_subcommand() {
    let zsh = String::from_utf8(modeldeck(&["completions", "zsh"]).stdout).unwrap();
    assert!(zsh.starts_with("#compdef modeldeck"), "{}", &zsh[..zsh.len().min(200)]);
    let fish = String::from_utf8(modeldeck(&["completions", "fish"]).stdout).unwrap();
    for sub in SUBCOMMANDS {
        assert!(zsh.contains(&format!("'{sub}:")), "zsh script lacks {sub}");
        assert!(fish.contains(&format!("-a \"{sub}\"")), "fish script lacks {sub}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_modeldeck")).args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bash") && stderr.contains("zsh") && stderr.contains("fish"), "{stderr}");
}

#[test]
fn the_man_page_renders_and_names_the_commands() {
    let roff = modeldeck(&["man"]).stdout;
    assert!(String::from_utf8_lossy(&roff).starts_with(".ie \\n(.g .ds Aq"), "not roff");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("modeldeck.1");
    std::fs::write(&page, &roff).unwrap();
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&page)
        .output()
        .expect("groff (Debian groff-base; scripts/test installs it)");
    assert!(out.status.success() && out.stderr.is_empty(), "groff warns: {}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("groff").args(["-man", "-Tascii", "-P-c", "-P-b", "-P-u"]).arg(&page).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS"] {
        assert!(text.contains(heading), "rendered page lacks {heading}:\n{text}");
    }
    assert!(text.contains("modeldeck - A terminal console for ML models in production"), "{text}");
    for sub in SUBCOMMANDS {
        assert!(text.contains(&format!("modeldeck-{sub}(1)")), "rendered page lacks {sub}:\n{text}");
    }
    for option in ["--config", "--env", "--read-only", "--demo"] {
        assert!(text.contains(option), "rendered page lacks {option}");
    }
}
