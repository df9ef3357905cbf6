//! Command-line arguments and the top-level flow: load config, pick the mode, run it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, eyre};
use jiff::Timestamp;

use crate::app::{App, Settings};
use crate::config::{self, Config, Environment};
use crate::domain::Endpoint;
use crate::headless;
use crate::input::keymap::Keymap;
use crate::journal::cli::{JournalCmd, JournalContext};
use crate::runtime::backends::Backends;
use crate::runtime::{logging, main_loop, terminal};
use crate::theme::{self, Theme};

#[derive(Debug, Parser)]
#[command(name = "modeldeck", version, about = "A terminal console for ML models in production")]
pub struct Args {
    /// Config file (default: $MODELDECK_CONFIG, else ~/.config/modeldeck/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Theme: default, light, high-contrast, mono, or a path to a theme file.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Environment to start in (a name from the config).
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub environment: Option<String>,
    /// Run against the embedded simulated fleet: no servers, no config needed.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Refuse every action that changes something outside.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Turn TLS certificate verification off; only together with `insecure_skip_verify =
    /// true` under `[tls]` in the config. The console then says so on every screen.
    #[arg(long, global = true)]
    pub insecure_tls: bool,
    /// For slow links: no sparklines, and a redraw only when data or input
    /// changes. Same as `[ui] low_bandwidth = true`.
    #[arg(long, global = true)]
    pub low_bandwidth: bool,
    /// Print the resolved settings (no secrets) and exit.
    #[arg(long)]
    pub print_config: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Fetch once and print the fleet and the firing alerts.
    Status {
        /// Print a JSON document (with a schema version) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The operator journal: verify, export, tail, note.
    Journal {
        #[command(subcommand)]
        action: JournalCmd,
    },
    /// Read a Prometheus's metric names and write a config that matches them.
    Init(crate::init::InitArgs),
    /// The console's actions from a shell: ack, unack, rollback, retrain.
    #[command(flatten)]
    Act(crate::command::ActCmd),
    /// Print a completion script for bash, zsh or fish to stdout.
    Completions {
        #[arg(value_enum)]
        shell: crate::shell_help::CompletionShell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

pub fn main() -> ExitCode {
    crate::backends::budget::release_large_frees();
    let args = Args::parse();
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("modeldeck: {e}");
            ExitCode::from(2)
        }
    }
}

/// Everything a run needs, resolved from args, environment and config.
pub struct Prepared {
    pub config: Config,
    pub keymap: Keymap,
    pub theme: Theme,
    pub environment: usize,
}

pub fn prepare(args: &Args) -> Result<Prepared> {
    let path = if args.demo && args.config.is_none() {
        None
    } else {
        config::locate(args.config.as_deref(), std::env::var(config::CONFIG_ENV).ok())?
    };
    let mut config = config::load(path.as_deref())?;
    config.tls.insecure_flag = args.insecure_tls;
    config.low_bandwidth |= args.low_bandwidth;
    config.tls.check_flag().map_err(|e| eyre!(e))?;
    if args.demo {
        config.environments = demo_environments();
        config.start_environment = 0;
        config.retrain = vec![("*".into(), crate::backends::pipelines::RetrainTarget::demo())];
        config.runbook = demo_runbook();
        if !config.detail.resources.enabled() {
            config.show_resources(config::resources::ResourceSource::Auto);
        }
    }
    let keymap = Keymap::with_overrides(&config.keys).map_err(|errors| {
        let file = config.path.as_ref().map_or_else(|| "config".into(), |p| p.display().to_string());
        eyre!("{file}: {}", errors.join("\n  "))
    })?;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let requested = args.theme.as_deref().or(config.theme.as_deref());
    let depth = theme::depth::detect(std::env::var("TERM").ok().as_deref(), std::env::var("COLORTERM").ok().as_deref());
    let theme = theme::resolve(requested, no_color)?.for_depth(depth);
    let environment = match &args.environment {
        Some(name) => config.environment_index(name).ok_or_else(|| {
            let names: Vec<_> = config.environments.iter().map(|e| e.name.as_str()).collect();
            eyre!("no environment `{name}` (have: {})", names.join(", "))
        })?,
        None => config.start_environment,
    };
    Ok(Prepared { config, keymap, theme, environment })
}

fn run(args: Args) -> Result<ExitCode> {
    // Before any config is read: init writes one, and completions and the man page need
    // none.
    match &args.command {
        Some(Cmd::Init(init)) => return crate::init::run(init, args.config.as_deref()),
        Some(Cmd::Completions { shell }) => {
            crate::shell_help::write_completions(*shell, &mut std::io::stdout().lock());
            return Ok(ExitCode::SUCCESS);
        }
        Some(Cmd::Man) => {
            crate::shell_help::write_man_page(&mut std::io::stdout().lock())?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let prepared = prepare(&args)?;
    if args.print_config {
        print!("{}", config::print::describe(&prepared.config));
        return Ok(ExitCode::SUCCESS);
    }
    // One worker: the console's loop runs on this thread (`block_on`), the sources on the
    // worker, and long parses still stay off the loop. A second worker mostly woke to find
    // nothing to take: on 50 models about a fifth fewer context switches without it.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let warnings = security_warnings(&prepared.config);
    match args.command {
        Some(Cmd::Journal { action }) => {
            logging::init(&prepared.config.log_level, prepared.config.log_file.as_deref(), false);
            log_warnings(&warnings);
            let ctx = journal_context(&prepared, args.demo)?;
            crate::journal::cli::run(action, &ctx)
        }
        Some(Cmd::Init(_) | Cmd::Completions { .. } | Cmd::Man) => {
            unreachable!("init, completions and man run before any config is read")
        }
        Some(Cmd::Status { json }) => {
            logging::init(&prepared.config.log_level, prepared.config.log_file.as_deref(), false);
            log_warnings(&warnings);
            for warning in &warnings {
                eprintln!("modeldeck: warning: {warning}");
            }
            runtime.block_on(async {
                let snapshots = if args.demo {
                    crate::demo::one_shot(Timestamp::now(), &prepared.config.columns)
                } else {
                    headless::live_snapshots(&prepared).await?
                };
                headless::status(&prepared, args.demo, snapshots, json)
            })
        }
        Some(Cmd::Act(action)) => {
            logging::init(&prepared.config.log_level, prepared.config.log_file.as_deref(), false);
            log_warnings(&warnings);
            for warning in &warnings {
                eprintln!("modeldeck: warning: {warning}");
            }
            let journal = journal_for(&prepared.config, args.demo);
            runtime.block_on(crate::command::run(action, &prepared, args.read_only, args.demo, journal))
        }
        None => {
            terminal::install_hooks()?;
            let log = logging::init(&prepared.config.log_level, prepared.config.log_file.as_deref(), true);
            tracing::info!(log = ?log, demo = args.demo, "modeldeck starting");
            log_warnings(&warnings);
            // The TLS banner stays on every screen; these show for the first seconds, in
            // words short enough for one header line (the log has them in full).
            let mut shown: Vec<String> = prepared.config.exposures().iter().map(|e| e.short()).collect();
            shown.extend(
                prepared.config.tls.unarmed_warning().map(|_| "TLS stays verified: --insecure-tls not given".into()),
            );
            let mut settings =
                Settings::from_config(&prepared.config, prepared.keymap.clone(), args.demo, args.read_only);
            if !shown.is_empty() {
                let until = Timestamp::now() + jiff::SignedDuration::from_secs(NOTICE_SECONDS);
                settings.startup_notice = Some((shown.join(" · "), until));
            }
            let journal = open_journal(&prepared.config, args.demo);
            settings.journal_path = match &journal {
                Some(j) if j.is_demo() => format!("DEMO journal (temporary): {}", j.location()),
                Some(j) => j.location(),
                None => "no journal".into(),
            };
            let app = App::new(settings, prepared.environment, Timestamp::now());
            let backends = backends(&prepared.config, args.demo)?;
            let mut term = terminal::enter()?;
            let result = runtime.block_on(main_loop::run(&mut term, app, &prepared.theme, backends, journal));
            // The terminal first: after a dropped SSH session nobody waits on the screen.
            terminal::restore();
            let result = result.map(|in_flight| {
                runtime.block_on(crate::actions::inflight::finish(in_flight, crate::actions::inflight::grace()));
            });
            runtime.shutdown_background();
            result.map(|()| ExitCode::SUCCESS)
        }
    }
}

/// How long the startup warnings stay in the console's header.
const NOTICE_SECONDS: i64 = 15;

/// What an operator must hear about before anything else: secrets others can read, and
/// TLS verification that is off, or asked off without the flag.
fn security_warnings(config: &Config) -> Vec<String> {
    let mut warnings: Vec<String> = config.exposures().iter().map(config::exposure::Exposure::message).collect();
    if config.tls.verification_off() {
        warnings.push("TLS verification is OFF (--insecure-tls): server certificates are not checked".into());
    }
    warnings.extend(config.tls.unarmed_warning());
    warnings
}

fn log_warnings(warnings: &[String]) {
    for warning in warnings {
        tracing::warn!("{warning}");
    }
}

/// Opens the journal for the TUI; a journal that cannot be opened is logged and the console
/// still runs (notes then fail with the reason).
fn open_journal(config: &Config, demo: bool) -> Option<std::sync::Arc<crate::journal::Journal>> {
    journal_for(config, demo).map_err(|e| tracing::error!(error = %e, "journal unavailable")).ok()
}

/// The run's journal, opened, with the config's secrets redacted from every entry and the
/// witness, if any, fed after every append.
pub fn journal_for(config: &Config, demo: bool) -> Result<std::sync::Arc<crate::journal::Journal>, String> {
    let location = journal_location(config, demo).map_err(|e| e.to_string())?;
    let (journal, report) = crate::journal::Journal::connect(&location)?;
    if let Some(torn) = report.torn {
        tracing::warn!(moved_to = %torn.moved_to.display(), "the journal's last line was torn and moved aside");
    }
    let journal = journal
        .with_redactor(crate::journal::Redactor::new(config.secrets()))
        .with_witness(journal_witness(config, demo).map(|p| crate::journal::Witness::new(&p)));
    Ok(std::sync::Arc::new(if demo { journal.demo() } else { journal }))
}

/// The journal this run writes to: the demo's temporary file, the PostgreSQL journal, the
/// config's file, or the default file.
pub fn journal_location(config: &Config, demo: bool) -> Result<crate::journal::Location> {
    match &config.journal.postgres {
        Some(url) if !demo => Ok(crate::journal::Location::Postgres(url.clone())),
        _ => journal_path(config, demo).map(crate::journal::Location::File),
    }
}

/// The demo's journal has no witness: it is thrown away.
fn journal_witness(config: &Config, demo: bool) -> Option<PathBuf> {
    if demo { None } else { config.journal.witness.clone() }
}

/// The journal file: the demo's temporary one, the config's, or the default.
pub fn journal_path(config: &Config, demo: bool) -> Result<PathBuf> {
    if demo {
        return Ok(crate::journal::demo_path());
    }
    config
        .journal_path
        .clone()
        .or_else(crate::journal::default_path)
        .ok_or_else(|| eyre!("no journal path: set [journal] path in the config"))
}

fn journal_context(prepared: &Prepared, demo: bool) -> Result<JournalContext> {
    Ok(JournalContext {
        location: journal_location(&prepared.config, demo)?,
        file: journal_path(&prepared.config, demo).ok(),
        witness: journal_witness(&prepared.config, demo),
        author: prepared.config.author_name(),
        environment: prepared.config.environment(prepared.environment).name.clone(),
        secrets: prepared.config.secrets(),
        demo,
    })
}

/// The demo's simulation, or the configured servers.
pub fn backends(config: &Config, demo: bool) -> Result<Backends> {
    if demo {
        return Ok(crate::demo::backends(config));
    }
    let client = crate::backends::http::client_with(config.timeout, &config.tls).map_err(|e| eyre!(e))?;
    Ok(Backends::live(config, &client))
}

/// The demo's runbook: drift suggests retraining, an accuracy drop a rollback.
fn demo_runbook() -> Vec<crate::config::runbook::Rule> {
    use crate::config::runbook::{Rule, Suggestion};
    let rule = |alert: &str, suggest| Rule {
        alert: alert.into(),
        for_at_least: None,
        model: None,
        suggest,
        automatic: false,
        rate_limit: None,
    };
    vec![rule("ModelDriftHigh", Suggestion::Retrain { target: None }), rule("ModelAccuracyLow", Suggestion::Rollback)]
}

fn demo_environments() -> Vec<Environment> {
    let placeholder = Endpoint::plain("http://127.0.0.1:1").unwrap_or_else(|_| unreachable!("valid URL"));
    ["demo", "demo-prod"]
        .into_iter()
        .map(|name| Environment {
            name: name.into(),
            production: name == "demo-prod",
            read_only: false,
            prometheus: placeholder.clone(),
            alertmanagers: Vec::new(),
            registry: None,
            registry_kind: Default::default(),
        })
        .collect()
}
