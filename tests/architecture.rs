//! The layering rules, checked on the source itself: every `crate::…` path (and every
//! `super::…` path that climbs out of its module) is resolved to the top-level module it
//! names, and each module may only reach the ones its layer allows.
//!
//! - `domain` imports nothing else of the crate;
//! - `backends` use only `domain` and `config`;
//! - `sources` and `actions` never import each other;
//! - `ui` uses only `app`, `domain` and `theme`;
//! - nothing outside `runtime`, `cli` (and `demo` itself) names `demo`.

use std::path::{Path, PathBuf};

/// Top-level modules `module` may not reach, with the rule's words.
fn forbidden(module: &str, target: &str) -> Option<&'static str> {
    if module == target {
        return None;
    }
    match (module, target) {
        ("domain", _) => Some("domain imports nothing else of the crate"),
        ("backends", t) if !matches!(t, "domain" | "config") => Some("backends use only domain and config"),
        ("sources", "actions") | ("actions", "sources") => Some("sources and actions never import each other"),
        ("ui", t) if !matches!(t, "app" | "domain" | "theme") => Some("ui uses only app, domain and theme"),
        (m, "demo") if !matches!(m, "runtime" | "cli") => Some("only runtime and cli name demo"),
        _ => None,
    }
}

/// The module path of a source file: `src/backends/alertmanager/silences.rs` →
/// `[backends, alertmanager, silences]`; `mod.rs` and `lib.rs` stand for their folder.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            parts.push(stem.to_string());
        }
    }
    parts
}

/// The code of a file without comments (line comments and doc comments) and string literals,
/// so a path in prose or in a message is not an import.
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                '\n' => out.push('\n'),
                _ => {}
            }
            continue;
        }
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => in_string = true,
            // A char literal such as '"' must not open a string.
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("\"'") || rest.starts_with("\\\"") {
                    chars.next();
                    chars.next();
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The top-level modules a file's code names, each with the path as written.
fn reached(module: &[String], code: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let at_word = i == 0 || !is_ident(bytes[i - 1]) && bytes[i - 1] != b':';
        let rest = &code[i..];
        if at_word && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '{'))
                .unwrap_or(rest.len());
            let path = &rest[..end];
            for top in resolve(module, path, rest) {
                found.push((top, path.trim_end_matches(['{', ':']).to_string()));
            }
            i += end.max(1);
        } else {
            i += 1;
        }
    }
    found
}

/// The top-level modules a path names; a `{a, b::c}` group names each of its items.
fn resolve(module: &[String], path: &str, rest: &str) -> Vec<String> {
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = if segments.first() == Some(&"crate") {
        segments.remove(0);
        Vec::new()
    } else {
        module.to_vec()
    };
    while segments.first() == Some(&"super") {
        segments.remove(0);
        base.pop();
    }
    let first = segments.first().copied().unwrap_or("");
    if first.starts_with('{') || first.is_empty() && path.ends_with('{') {
        // `crate::{a, b}`: the items of the group, each from the base.
        let group_start = rest.find('{').unwrap_or(0);
        let group_end = rest[group_start..].find('}').map_or(rest.len(), |e| group_start + e);
        return rest[group_start + 1..group_end]
            .split(',')
            .filter_map(|item| item.trim().split("::").next().map(str::trim))
            .filter(|item| !item.is_empty() && *item != "self")
            .map(|item| base.first().cloned().unwrap_or_else(|| item.to_string()))
            .collect();
    }
    match base.first() {
        Some(top) => vec![top.clone()],
        None if !first.is_empty() => vec![first.to_string()],
        None => Vec::new(),
    }
}

/// Every broken rule in one file, as `path: rule (import)`.
fn violations(relative: &Path, source: &str) -> Vec<String> {
    let module = module_path(relative);
    let Some(own) = module.first().cloned() else { return Vec::new() };
    reached(&module, &code_only(source))
        .into_iter()
        .filter_map(|(top, path)| forbidden(&own, &top).map(|rule| format!("{}: {rule} ({path})", relative.display())))
        .collect()
}

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

#[test]
fn every_module_keeps_to_its_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for file in sources(&src) {
        let relative = file.strip_prefix(&src).unwrap().to_path_buf();
        broken.extend(violations(&relative, &std::fs::read_to_string(&file).unwrap()));
    }
    assert!(broken.is_empty(), "{} import(s) break the layering:\n{}", broken.len(), broken.join("\n"));
}

#[test]
fn a_forbidden_import_is_caught() {
    let check = |path: &str, code: &str| violations(Path::new(path), code);
    assert_eq!(
        check("domain/alert.rs", "use crate::config::Config;\n"),
        ["domain/alert.rs: domain imports nothing else of the crate (crate::config::Config)"]
    );
    assert_eq!(check("ui/fleet.rs", "let c = crate::backends::http::client(t);").len(), 1);
    assert_eq!(check("actions/run.rs", "use crate::{demo::DemoSilences, domain::Alert};").len(), 1);
    assert_eq!(check("sources/prometheus.rs", "use crate::actions::run;").len(), 1);
    assert_eq!(check("backends/prometheus/parse.rs", "use super::super::super::app::App;").len(), 1);
    // Allowed: the layer's own modules, comments, strings, and the modules a layer may use.
    assert!(
        check("ui/fleet.rs", "use super::text::shown;\nuse crate::app::App;\nuse crate::domain::Alert;").is_empty()
    );
    assert!(check("domain/alert.rs", "// crate::config is not imported\nlet s = \"crate::demo\";").is_empty());
    assert!(check("backends/http.rs", "use crate::config::tls::TlsSettings;\nuse crate::domain::Endpoint;").is_empty());
    assert!(check("runtime/backends.rs", "use crate::demo;").is_empty());
}
