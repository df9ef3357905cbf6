//! Logs go to a file and to the in-memory buffer behind the log panel; never to stdout or
//! stderr while the terminal UI owns the screen.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The default log file: the platform state dir (`~/.local/state/modeldeck/modeldeck.log`
/// on Linux), else the data dir.
pub fn default_file() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "modeldeck")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(dir.join("modeldeck.log"))
}

fn level(name: &str) -> LevelFilter {
    name.parse().unwrap_or(LevelFilter::INFO)
}

/// Starts logging; `tui` adds the log panel's buffer. Returns the file in use, if any.
pub fn init(level_name: &str, file: Option<&Path>, tui: bool) -> Option<PathBuf> {
    let level = level(level_name);
    // Our own events at the chosen level; dependencies (hyper, rustls…) only when they warn.
    let targets = Targets::new().with_default(LevelFilter::WARN.min(level)).with_target("modeldeck", level);
    let path = file.map(Path::to_path_buf).or_else(default_file);
    let writer = path.as_ref().and_then(|p| {
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).ok()?;
        }
        OpenOptions::new().create(true).append(true).open(p).ok()
    });
    let file_layer =
        writer.map(|w| tracing_subscriber::fmt::layer().with_ansi(false).with_target(true).with_writer(Mutex::new(w)));
    let tui_layer = tui.then(|| {
        // Not `tui_logger::init_logger`: its thread wakes every 10 ms to move events into the
        // panel's buffer, which was over half of an idle console's CPU time. The main loop
        // moves them instead (`main_loop`), once a second and before each frame.
        tui_logger::set_default_level(tui_logger::LevelFilter::Trace);
        tui_logger::TuiTracingSubscriberLayer
    });
    let _ = tracing_subscriber::registry().with(file_layer).with(tui_layer).with(targets).try_init();
    path
}
