//! Command hooks (rollback, retraining): an argv template filled with values and run
//! without a shell, so a value such as `x; rm -rf /` or `$(id)` is one literal argument.
//!
//! A hook runs in its own process group with stdin closed; its stdout and stderr are
//! captured together in arrival order, capped, and sanitised. At the timeout the whole
//! group is killed, so a script's children go with it. When the hook itself exits in time,
//! processes it left in the background are left alone (a hook may start work on purpose),
//! and output they write after a short grace is not collected.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::domain::sanitize;

/// Captured output beyond this is dropped from the front: the end says why it failed.
pub const OUTPUT_MAX: usize = 64 * 1024;
/// How long the pipes are still read after the hook exited, for output in flight.
const DRAIN: Duration = Duration::from_millis(250);

/// Fills `{name}` placeholders in each element with `values`, literally (no splitting, no
/// quoting); `{{` and `}}` are literal braces. An unknown placeholder, an unclosed brace or
/// an empty template is an error that names it.
pub fn render(template: &[String], values: &[(&str, &str)]) -> Result<Vec<String>, String> {
    if template.is_empty() || template[0].trim().is_empty() {
        return Err("the command is empty".into());
    }
    template.iter().map(|element| render_one(element, values)).collect()
}

fn render_one(element: &str, values: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(element.len());
    let mut rest = element;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{").or_else(|| tail.strip_prefix("}}")) {
            out.push(tail.as_bytes()[0] as char);
            rest = after;
        } else if tail.starts_with('}') {
            return Err(format!("`}}` without `{{` in `{element}` (write `}}}}` for a literal brace)"));
        } else {
            let Some(end) = tail.find('}') else {
                return Err(format!("unclosed `{{` in `{element}` (write `{{{{` for a literal brace)"));
            };
            let name = &tail[1..end];
            let Some((_, value)) = values.iter().find(|(k, _)| *k == name) else {
                let known: Vec<&str> = values.iter().map(|(k, _)| *k).collect();
                return Err(format!("unknown placeholder `{{{name}}}` in `{element}` (known: {})", known.join(", ")));
            };
            out.push_str(value);
            rest = &tail[end + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The argv as a shell would need it typed, for the confirmation screen and the journal:
/// anything outside `[A-Za-z0-9_./:=@%+-]` is single-quoted. Control characters are shown
/// as visible symbols.
pub fn display(argv: &[String]) -> String {
    let quoted: Vec<String> = argv.iter().map(|a| sanitize::clean(&quote(a))).collect();
    quoted.join(" ")
}

fn quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./:=@%+-".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HookRun {
    pub argv: Vec<String>,
    /// `None` when a signal ended it (see `signal`).
    pub exit_code: Option<i32>,
    /// The signal that ended it, if one did (SIGKILL after a timeout included).
    pub signal: Option<i32>,
    pub timed_out: bool,
    /// stdout and stderr in arrival order, sanitised, at most [`OUTPUT_MAX`] bytes (the end).
    pub output: String,
    pub elapsed: Duration,
}

impl HookRun {
    pub fn ok(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }

    /// `exit 0`, `exit 3`, `killed after 30 s (timeout)`, `killed by signal 9`.
    pub fn summary(&self) -> String {
        if self.timed_out {
            return format!("killed after {} (timeout)", seconds(self.elapsed));
        }
        match (self.exit_code, self.signal) {
            (Some(code), _) => format!("exit {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "ended without an exit status".to_string(),
        }
    }
}

fn seconds(d: Duration) -> String {
    if d >= Duration::from_secs(1) { format!("{} s", d.as_secs_f64().round()) } else { format!("{} ms", d.as_millis()) }
}

// The C library's kill(2), which std links on every Unix; std only kills single children.
unsafe extern "C" {
    safe fn kill(pid: i32, signal: i32) -> i32;
}
const SIGKILL: i32 = 9;

/// Runs `argv` (no shell) for at most `timeout`. `Err` only when it cannot start (the
/// program is missing or not executable); a failing or hung hook is an `Ok` run that says so.
pub async fn run(argv: &[String], timeout: Duration) -> Result<HookRun, String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("the command is empty".into());
    };
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            let program = sanitize::clean(program);
            match e.kind() {
                std::io::ErrorKind::NotFound => format!("cannot run `{program}`: program not found"),
                std::io::ErrorKind::PermissionDenied => format!("cannot run `{program}`: permission denied"),
                _ => format!("cannot run `{program}`: {}", sanitize::clean(&e.to_string())),
            }
        })?;
    let group = child.id().and_then(|id| i32::try_from(id).ok());
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let mut tail = Tail::default();
    let (mut out_buf, mut err_buf) = ([0u8; 8192], [0u8; 8192]);
    let deadline = tokio::time::Instant::from_std(started + timeout);
    let mut status = None;
    let mut drain_until = None;
    let mut timed_out = false;
    loop {
        if status.is_some() && stdout.is_none() && stderr.is_none() {
            break;
        }
        let wake = drain_until.map_or(deadline, |d: tokio::time::Instant| d.min(deadline));
        tokio::select! {
            read = read_some(&mut stdout, &mut out_buf) => tail.take(&mut stdout, read, &out_buf),
            read = read_some(&mut stderr, &mut err_buf) => tail.take(&mut stderr, read, &err_buf),
            exited = child.wait(), if status.is_none() => {
                status = Some(exited.map_err(|e| format!("waiting for `{}`: {e}", sanitize::clean(program)))?);
                drain_until = Some(tokio::time::Instant::now() + DRAIN);
            }
            () = tokio::time::sleep_until(wake) => {
                timed_out = status.is_none();
                break;
            }
        }
    }
    if timed_out {
        // The leader is not reaped yet, so its pid still names this group and no other.
        if let Some(group) = group {
            kill(-group, SIGKILL);
        }
        let _ = child.start_kill();
        status = child.wait().await.ok();
        // The killed group's pipes close at once; a process that left the group may keep
        // them open, so reading stops after a grace.
        let grace = tokio::time::Instant::now() + DRAIN;
        while stdout.is_some() || stderr.is_some() {
            tokio::select! {
                read = read_some(&mut stdout, &mut out_buf) => tail.take(&mut stdout, read, &out_buf),
                read = read_some(&mut stderr, &mut err_buf) => tail.take(&mut stderr, read, &err_buf),
                () = tokio::time::sleep_until(grace) => break,
            }
        }
    }
    Ok(HookRun {
        argv: argv.to_vec(),
        exit_code: status.and_then(|s| s.code()),
        signal: status.and_then(|s| s.signal()),
        timed_out,
        output: tail.finish(),
        elapsed: started.elapsed(),
    })
}

/// Reads from the pipe, or waits forever once it is closed (so `select!` skips it).
async fn read_some<R: AsyncRead + Unpin>(pipe: &mut Option<R>, buf: &mut [u8]) -> std::io::Result<usize> {
    match pipe {
        Some(p) => p.read(buf).await,
        None => std::future::pending().await,
    }
}

/// The last [`OUTPUT_MAX`] bytes of the output, and how many came before them.
#[derive(Default)]
struct Tail {
    bytes: Vec<u8>,
    dropped: usize,
}

impl Tail {
    fn take<R>(&mut self, pipe: &mut Option<R>, read: std::io::Result<usize>, buf: &[u8]) {
        match read {
            Ok(n) if n > 0 => self.push(&buf[..n]),
            _ => *pipe = None,
        }
    }

    fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        // Trimmed in batches so a chatty hook does not shift the buffer on every read.
        if self.bytes.len() > 2 * OUTPUT_MAX {
            self.trim();
        }
    }

    fn trim(&mut self) {
        let extra = self.bytes.len().saturating_sub(OUTPUT_MAX);
        self.bytes.drain(..extra);
        self.dropped += extra;
    }

    fn finish(mut self) -> String {
        self.trim();
        let text = String::from_utf8_lossy(&self.bytes);
        // Kept as the command wrote it (the journal records it); views make it inert line
        // by line.
        let body = text.into_owned();
        if self.dropped > 0 {
            format!("[output cut: the first {} bytes were dropped]\n{body}", self.dropped)
        } else {
            body
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn placeholders_are_replaced_literally() {
        let template = strings(&["deploy", "--model={model}", "{version}", "{{literal}}", "a}}b{{"]);
        let argv = render(&template, &[("model", "fraud; rm -rf x"), ("version", "$(id)")]).unwrap();
        assert_eq!(argv, strings(&["deploy", "--model=fraud; rm -rf x", "$(id)", "{literal}", "a}b{"]));
    }

    #[test]
    fn bad_templates_name_the_problem() {
        let err = render(&strings(&["x", "{nope}"]), &[("model", "m")]).unwrap_err();
        assert!(err.contains("`{nope}`") && err.contains("known: model"), "{err}");
        assert!(render(&[], &[]).unwrap_err().contains("empty"));
        assert!(render(&strings(&[""]), &[]).unwrap_err().contains("empty"));
        assert!(render(&strings(&["x", "{open"]), &[]).unwrap_err().contains("unclosed"));
        assert!(render(&strings(&["x", "close}"]), &[]).unwrap_err().contains("without"));
    }

    #[test]
    fn display_quotes_what_a_shell_would_split() {
        let argv = strings(&["/usr/bin/deploy", "--to=s3://b/m@v2", "a b", "it's", "", "$(id)", "\x1b[2J"]);
        assert_eq!(display(&argv), r#"/usr/bin/deploy --to=s3://b/m@v2 'a b' 'it'\''s' '' '$(id)' '␛[2J'"#);
    }

    #[test]
    fn summaries() {
        let run = HookRun {
            argv: vec![],
            exit_code: Some(0),
            signal: None,
            timed_out: false,
            output: String::new(),
            elapsed: Duration::from_millis(30_004),
        };
        assert!(run.ok());
        assert_eq!(run.summary(), "exit 0");
        assert_eq!(HookRun { exit_code: Some(3), ..run.clone() }.summary(), "exit 3");
        let killed = HookRun { exit_code: None, signal: Some(9), ..run.clone() };
        assert!(!killed.ok());
        assert_eq!(killed.summary(), "killed by signal 9");
        assert_eq!(HookRun { timed_out: true, ..killed }.summary(), "killed after 30 s (timeout)");
    }

    #[test]
    fn the_tail_is_kept_and_the_cut_said() {
        let mut tail = Tail::default();
        for _ in 0..3 * OUTPUT_MAX / 1000 {
            tail.push(&[b'x'; 1000]);
        }
        tail.push(b"\nlast line\x1b[0m\n");
        let text = tail.finish();
        assert!(text.starts_with("[output cut: the first "), "{}", &text[..80]);
        assert!(text.ends_with("last line\x1b[0m\n"), "kept raw: {}", &text[text.len() - 40..]);
    }
}
