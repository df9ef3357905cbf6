//! Entering and leaving the terminal. The screen is restored on every way out: normal
//! exit, error, panic (before the report prints), SIGTERM and SIGHUP.

use std::io::IsTerminal;

use color_eyre::eyre::{Result, bail};
use ratatui::DefaultTerminal;

/// Panics in raw mode would print into a garbled screen; install the report hook first so
/// that ratatui's hook (installed next, by `enter`) restores the terminal before it runs.
pub fn install_hooks() -> Result<()> {
    color_eyre::install()
}

pub fn enter() -> Result<DefaultTerminal> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!("modeldeck needs an interactive terminal (try `ssh -t`, or `modeldeck status` for plain output)");
    }
    Ok(ratatui::try_init()?)
}

pub fn restore() {
    let _ = ratatui::try_restore();
}
