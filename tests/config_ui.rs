//! `[ui]` in the config file and `--low-bandwidth` on the command line.

use modeldeck::config;

#[test]
fn low_bandwidth_is_off_by_default_and_in_the_example() {
    assert!(!config::from_str("", None, &|_| None).unwrap().low_bandwidth);
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml")).unwrap();
    assert!(example.contains("[ui]\n"), "the example documents the section");
    assert!(!config::from_str(&example, None, &|_| None).unwrap().low_bandwidth);
}

#[test]
fn ui_low_bandwidth_turns_it_on() {
    let config = config::from_str("[ui]\nlow_bandwidth = true\n", None, &|_| None).unwrap();
    assert!(config.low_bandwidth);
}

#[test]
fn an_unknown_ui_key_is_an_error_that_names_it() {
    let err = config::from_str("[ui]\nlow_bandwith = true\n", None, &|_| None).expect_err("a typo is refused");
    assert!(err.to_string().contains("low_bandwith"), "{err}");
}

fn printed(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modeldeck"))
        .arg("--config")
        .arg(&path)
        .args(args)
        .arg("--print-config")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_flag_turns_it_on_and_print_config_says_so() {
    assert!(printed(&[]).contains("\n[ui]\nlow_bandwidth = false\n"));
    assert!(printed(&["--low-bandwidth"]).contains("\n[ui]\nlow_bandwidth = true\n"));
}
