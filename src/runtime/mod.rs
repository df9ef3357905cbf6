//! The edges of the program: the main loop that owns the terminal and the app, the
//! backends it reaches and the one effect executor, the terminal's setup and the log file.

pub mod backends;
pub mod executor;
pub mod logging;
pub mod main_loop;
pub mod terminal;
pub mod wire;
