//! `modeldeck journal …`: verify the chain (and its end), print the head, export an audit
//! report, follow new entries, add a note from scripts, and migrate a file journal into
//! PostgreSQL.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use color_eyre::eyre::{Result, eyre};

use super::export::{self, Filter};
use super::tail::{Followed, Follower};
use super::witness::parse_hash;
use super::{Draft, Expect, Journal, Location, Redactor, Subject, Witness, verify_bytes, verify_expecting};

#[derive(Debug, Subcommand)]
pub enum JournalCmd {
    /// Check the whole hash chain; report the first broken link with its line number. With
    /// a witness configured, or a head given, also check that nothing is missing at the end.
    Verify {
        /// The head recorded earlier (`journal head`): it must still be in the journal.
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
        /// The entry count recorded earlier: the journal must have at least this many.
        #[arg(long, value_name = "N")]
        expect_count: Option<u64>,
    },
    /// Print the entry count and the hash of the last entry (`COUNT HASH`): record it
    /// elsewhere, and `verify --expect-head` later finds entries cut from the end.
    Head,
    /// Write an audit report of the entries (verification result first).
    Export {
        /// Only entries at or after this time (RFC 3339, or a date such as 2026-11-01).
        #[arg(long)]
        since: Option<String>,
        /// Only entries before this time (RFC 3339, or a date).
        #[arg(long)]
        until: Option<String>,
        /// Only entries about this model.
        #[arg(long)]
        model: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write to this file instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print entries as they are appended (Ctrl-C stops).
    Tail {
        /// Print the raw JSON lines.
        #[arg(long)]
        json: bool,
        /// Also print the last N existing entries first.
        #[arg(long, short = 'n', default_value_t = 10)]
        lines: usize,
    },
    /// Append a note (for scripts and runbooks).
    Note {
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        version: Option<String>,
        /// The note text.
        text: String,
    },
    /// Copy a file journal into the configured PostgreSQL journal, which must be empty,
    /// and verify the copy.
    Migrate {
        /// The file to copy (default: `[journal] path`, else the platform data dir).
        #[arg(long, value_name = "PATH")]
        from: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    Md,
}

/// Where the journal is and who writes: resolved by the caller from config and flags.
pub struct JournalContext {
    pub location: Location,
    /// The file journal `migrate` copies from by default.
    pub file: Option<PathBuf>,
    /// `[journal] witness`.
    pub witness: Option<PathBuf>,
    pub author: String,
    pub environment: String,
    pub secrets: Vec<String>,
    /// `--demo`: the entries are marked as demo entries.
    pub demo: bool,
}

impl JournalContext {
    /// The journal for reading: a file is neither created nor repaired.
    fn reader(&self) -> std::result::Result<Journal, String> {
        if let Location::File(path) = &self.location
            && !path.exists()
        {
            return Err(format!("no journal at {}", path.display()));
        }
        Journal::inspect(&self.location)
    }

    /// The journal for appending, as the console and the headless actions open it.
    fn writer(&self) -> std::result::Result<Journal, String> {
        let (journal, report) = Journal::connect(&self.location)?;
        if let Some(torn) = &report.torn {
            eprintln!(
                "modeldeck: the journal's last line was incomplete (a crash mid-write?); moved {} bytes to {}",
                torn.bytes,
                torn.moved_to.display()
            );
        }
        let journal = journal
            .with_redactor(Redactor::new(self.secrets.clone()))
            .with_witness(self.witness.as_deref().map(Witness::new));
        Ok(if self.demo { journal.demo() } else { journal })
    }
}

/// Exit status: 0 ok, 1 the chain is broken or entries are missing (`verify`), 2 the
/// journal cannot be read or the arguments are wrong.
pub fn run(cmd: JournalCmd, ctx: &JournalContext) -> Result<ExitCode> {
    match cmd {
        JournalCmd::Verify { expect_head, expect_count } => {
            let head = expect_head.as_deref().map(parse_hash).transpose().map_err(|e| eyre!("--expect-head: {e}"))?;
            Ok(verify(ctx, head, expect_count))
        }
        JournalCmd::Head => Ok(match ctx.reader().and_then(|j| j.head()) {
            Ok(head) => {
                println!("{}", head.line());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        }),
        JournalCmd::Export { since, until, model, format, output } => {
            let filter = Filter::parse(since.as_deref(), until.as_deref(), model.as_deref()).map_err(|e| eyre!(e))?;
            export(ctx, &filter, format, output.as_deref())
        }
        JournalCmd::Tail { json, lines } => {
            let followed = match &ctx.location {
                Location::File(path) => Followed::File(Follower::new(path)),
                Location::Postgres(_) => Followed::Store { journal: ctx.reader().map_err(|e| eyre!(e))?, last: 0 },
            };
            let location = match &ctx.location {
                Location::File(path) => path.display().to_string(),
                Location::Postgres(_) => "the PostgreSQL journal".into(),
            };
            super::tail::tail(followed, &location, json, lines)
        }
        JournalCmd::Note { model, version, text } => note(ctx, model, version, &text),
        JournalCmd::Migrate { from } => {
            let Some(from) = from.or_else(|| ctx.file.clone()) else {
                return Err(eyre!("no file journal to copy: give --from PATH"));
            };
            let journal = match ctx.writer() {
                Ok(journal) => journal,
                Err(e) => return Ok(fail(&e)),
            };
            Ok(super::migrate::migrate(&from, &journal))
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("modeldeck: {message}");
    ExitCode::from(2)
}

fn verify(ctx: &JournalContext, head: Option<String>, count: Option<u64>) -> ExitCode {
    let journal = match ctx.reader() {
        Ok(journal) => journal,
        Err(e) => return fail(&e),
    };
    let bytes = match journal.raw() {
        Ok(bytes) => bytes,
        Err(e) => return fail(&e),
    };
    let given = head.is_some() || count.is_some();
    let expect = if given {
        Expect { count, head, source: "the head given".into() }
    } else {
        match witnessed(ctx) {
            Ok(expect) => expect,
            Err(e) => {
                println!("journal BROKEN: {e}");
                return ExitCode::from(1);
            }
        }
    };
    let verification = verify_expecting(&bytes, &expect);
    if verification.ok()
        && expect.is_empty()
        && verification.entries > 0
        && let Some(path) = &ctx.witness
    {
        // An empty journal may have no witness yet; one with entries must.
        println!(
            "journal BROKEN: the witness {} is missing although the journal has {} entries",
            path.display(),
            verification.entries
        );
        return ExitCode::from(1);
    }
    println!("{}", verification.summary());
    if !verification.ok() {
        return ExitCode::from(1);
    }
    if !expect.is_empty() {
        println!("nothing missing at the end: checked against {}", expect.source);
    }
    ExitCode::SUCCESS
}

/// What the configured witness says the end is; empty without a witness or before its first
/// write.
fn witnessed(ctx: &JournalContext) -> std::result::Result<Expect, String> {
    let Some(path) = &ctx.witness else { return Ok(Expect::default()) };
    let source = format!("the witness {}", path.display());
    match Witness::new(path).read()? {
        Some(head) => Ok(Expect { count: Some(head.count), head: Some(head.hash), source }),
        None => Ok(Expect::default()),
    }
}

fn export(ctx: &JournalContext, filter: &Filter, format: ExportFormat, output: Option<&Path>) -> Result<ExitCode> {
    let journal = match ctx.reader() {
        Ok(journal) => journal,
        Err(e) => return Ok(fail(&format!("cannot read the journal: {e}"))),
    };
    let bytes = match journal.raw() {
        Ok(bytes) => bytes,
        Err(e) => return Ok(fail(&format!("cannot read the journal: {e}"))),
    };
    let location = journal.location();
    // One read for both: the report describes exactly the bytes that were verified.
    let verification = verify_bytes(&bytes);
    let all = export::parse_entries(&bytes);
    let entries = filter.apply(&all);
    let text = match format {
        ExportFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&export::JsonReport::new(&entries, &verification, &location, filter))?;
            text.push('\n');
            // Other operators' text lands on a terminal as often as in a file.
            crate::domain::sanitize::json_text(&text).into_owned()
        }
        ExportFormat::Md => {
            crate::domain::sanitize::inert_text(&export::to_markdown(&entries, &verification, &location, filter))
                .into_owned()
        }
    };
    match output {
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| eyre!("cannot write {}: {e}", path.display()))?;
            eprintln!("wrote {} entries to {}", entries.len(), path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(e.into()),
                _ => {}
            }
        }
    }
    if !verification.ok() {
        eprintln!("warning: {}; the report says so at the top", verification.summary());
    }
    Ok(ExitCode::SUCCESS)
}

fn note(ctx: &JournalContext, model: Option<String>, version: Option<String>, text: &str) -> Result<ExitCode> {
    if text.trim().is_empty() {
        return Err(eyre!("the note is empty"));
    }
    let journal = ctx.writer().map_err(|e| eyre!(e))?;
    let subject = Subject { model, version, ..Subject::default() };
    let entry = journal.append(Draft::note(&ctx.author, &ctx.environment, subject, text)).map_err(|e| eyre!(e))?;
    println!("appended entry {}", entry.seq);
    Ok(ExitCode::SUCCESS)
}
