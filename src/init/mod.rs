//! `modeldeck init`: read which metric and label names a Prometheus holds, recognise the
//! exporters behind them (presets), and write a commented config whose columns, model
//! screen and drift direction match what is there.
//!
//! Detection, planning and writing are pure (`inventory`, `presets`, `quality`, `plan`,
//! `render`) and tested against recorded name lists; this file does the I/O: the names
//! from Prometheus, a look at the Alertmanagers and the registry, and the file.

pub mod inventory;
pub mod plan;
pub mod presets;
pub mod quality;
pub mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{Result, eyre};

use crate::backends::http;
use crate::backends::prometheus::labels;
use crate::domain::Endpoint;

pub use inventory::Inventory;
pub use plan::{Plan, plan};
pub use render::Servers;

/// Listing every metric name of a large Prometheus takes a while.
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// The Prometheus to read metric names from (its base URL, with any path prefix).
    #[arg(long, value_name = "URL")]
    pub prometheus: String,
    /// An Alertmanager of the environment; repeat for the peers of a cluster.
    #[arg(long, value_name = "URL")]
    pub alertmanager: Vec<String>,
    /// The MLflow registry of the environment.
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// Where to write the config; `-` prints it. Default: `--config`, else the platform
    /// config file (~/.config/modeldeck/config.toml on Linux).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// The environment's name in the config.
    #[arg(long, value_name = "NAME", default_value = "main")]
    pub name: String,
}

/// Runs `modeldeck init`: 0 when the config was written, an error otherwise. `config` is
/// the global `--config`, where the file goes when `--output` is not given.
pub fn run(args: &InitArgs, config: Option<&Path>) -> Result<ExitCode> {
    let output = match args.output.as_deref().or(config) {
        Some(p) if p.as_os_str() == "-" => None,
        Some(p) => Some(p.to_path_buf()),
        None => Some(crate::config::default_path().ok_or_else(|| eyre!("no config directory: give --output FILE"))?),
    };
    // Before any request: a refusal should not wait on the network.
    if let Some(path) = output.as_deref().filter(|p| p.exists() && !args.force) {
        return Err(eyre!("{} exists; give --force to overwrite it, or --output another file", path.display()));
    }
    let servers = Servers {
        name: args.name.clone(),
        prometheus: args.prometheus.clone(),
        alertmanagers: args.alertmanager.clone(),
        registry: args.registry.clone(),
    };
    let prometheus = Endpoint::plain(&args.prometheus).map_err(|e| eyre!("--prometheus: {e}"))?;
    for url in &args.alertmanager {
        Endpoint::plain(url).map_err(|e| eyre!("--alertmanager: {e}"))?;
    }
    if let Some(url) = &args.registry {
        Endpoint::plain(url).map_err(|e| eyre!("--registry: {e}"))?;
    }
    if args.name.trim().is_empty() {
        return Err(eyre!("--name: the environment needs a name"));
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let client = http::client(TIMEOUT).map_err(|e| eyre!(e))?;
    let (inventory, looks) = runtime.block_on(async {
        let inventory = read(&client, &prometheus).await?;
        Ok::<_, color_eyre::Report>((inventory, look(&client, &servers).await))
    })?;
    let plan = plan(&inventory);
    let text = render::config(&plan, &servers);
    // What is written must load: the project's own parser is the judge.
    let path_for_errors = output.clone().unwrap_or_else(|| PathBuf::from("config.toml"));
    crate::config::from_str(&text, Some(&path_for_errors), &|_| None)
        .map_err(|e| eyre!("the written config does not load (a bug in init): {e}"))?;
    let mut report = render::report(&plan, inventory.len(), &servers);
    for line in looks {
        report += &format!("{line}\n");
    }
    match &output {
        // The config alone on stdout, so it can be redirected; the summary on stderr.
        None => {
            print!("{text}");
            eprint!("{report}");
        }
        Some(path) => {
            write(path, &text, args.force)?;
            print!("{report}");
            println!("wrote {}; check it with `modeldeck --config {} --print-config`", path.display(), path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every metric name, and the label names of those a preset reads.
async fn read(client: &reqwest::Client, prometheus: &Endpoint) -> Result<Inventory> {
    let names = labels::metric_names(client, prometheus).await.map_err(|e| eyre!("Prometheus: {e}"))?;
    let mut inventory = Inventory::new(names);
    let wanted: Vec<String> = inventory.names().filter(|n| presets::reads(n)).map(str::to_string).collect();
    for name in wanted {
        // A name whose labels cannot be read is judged by its exporter's documented labels.
        if let Ok(found) = labels::label_names(client, prometheus, &name).await {
            inventory.set_labels(&name, found);
        }
    }
    Ok(inventory)
}

/// Whether the Alertmanagers and the registry answer; the config is written either way.
async fn look(client: &reqwest::Client, servers: &Servers) -> Vec<String> {
    let mut lines = Vec::new();
    let targets = servers.alertmanagers.iter().map(|u| ("Alertmanager", u, "api/v2/status", vec![]));
    let registry = servers
        .registry
        .iter()
        .map(|u| ("registry", u, "api/2.0/mlflow/registered-models/search", vec![("max_results", "1")]));
    for (what, url, path, query) in targets.chain(registry) {
        let verdict = match Endpoint::plain(url) {
            Err(e) => format!("not a URL: {e}"),
            Ok(endpoint) => match http::get(client, &endpoint, path, &query).await {
                Ok(a) if (200..300).contains(&a.status) => "answers".to_string(),
                Ok(a) => format!("answered HTTP {}", a.status),
                Err(e) => e,
            },
        };
        lines.push(format!("{what} {}: {}", crate::domain::sanitize::clean(url), verdict));
    }
    lines
}

/// Writes the file; without `force`, only if it does not exist at the moment of writing.
fn write(path: &Path, text: &str, force: bool) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| eyre!("create {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| eyre!("write {}: {e}", path.display()))?;
    file.write_all(text.as_bytes()).map_err(|e| eyre!("write {}: {e}", path.display()))
}
