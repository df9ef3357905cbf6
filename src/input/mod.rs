//! What the operator asks for: the key bindings and the commands typed after `:`.

pub mod command;
pub mod hints;
pub mod keymap;
