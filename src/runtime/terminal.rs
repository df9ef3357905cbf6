//! Entering and leaving the terminal. The screen is restored on every way out: normal
//! exit, error, panic (before the report prints), SIGTERM and SIGHUP.

use std::io::IsTerminal;

use color_eyre::eyre::{Result, bail};
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::Backend;

use super::wire::WireBackend;

/// The console's terminal: ratatui over the byte-lean writer on stdout.
pub type Console = Terminal<WireBackend<std::io::Stdout>>;

/// Panics in raw mode would print into a garbled screen; install the report hook first so
/// that ratatui's hook (installed next, by `enter`) restores the terminal before it runs.
pub fn install_hooks() -> Result<()> {
    color_eyre::install()
}

pub fn enter() -> Result<Console> {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!("modeldeck needs an interactive terminal (try `ssh -t`, or `modeldeck status` for plain output)");
    }
    restore_on_panic();
    enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), EnterAlternateScreen)?;
    let mut terminal = Terminal::new(WireBackend::new(std::io::stdout()))?;
    // From a known blank screen the writer can leave out cells that already look right.
    terminal.backend_mut().clear()?;
    Ok(terminal)
}

/// Restores the screen before the panic report (installed by `install_hooks`) prints.
fn restore_on_panic() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        report(info);
    }));
}

pub fn restore() {
    let _ = ratatui::try_restore();
}
