//! The README's key table must list every default binding, so docs cannot drift from the
//! keymap.

use modeldeck::input::keymap::Keymap;

#[test]
fn readme_key_table_lists_every_default_key() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let keys_section = readme.split("## Keys").nth(1).expect("README has a Keys section");
    let table = keys_section.split("\n## ").next().unwrap();
    for (_, rows) in Keymap::default().help() {
        for (keys, what) in rows {
            for key in keys.split(' ') {
                assert!(table.contains(&format!("`{key}`")), "README key table lacks `{key}` ({what})");
            }
        }
    }
}

#[test]
fn readme_gives_the_two_commands_and_ci_runs_the_test_one() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- --demo"));
    assert!(readme.contains("scripts/test "));
    let ci = std::fs::read_to_string(format!("{root}/.ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.trim() == "exec scripts/test"), "{ci}");
}
