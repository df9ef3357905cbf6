//! Shell completion scripts and the man page, generated from the command-line definition
//! itself, so they always name the subcommands and options the binary has.

use std::io::Write;

use clap::{CommandFactory, ValueEnum};

use crate::cli::Args;

/// The shells `modeldeck completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

impl CompletionShell {
    fn generator(self) -> clap_complete::Shell {
        match self {
            CompletionShell::Bash => clap_complete::Shell::Bash,
            CompletionShell::Zsh => clap_complete::Shell::Zsh,
            CompletionShell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: CompletionShell, out: &mut dyn Write) {
    let mut command = Args::command();
    let name = command.get_name().to_string();
    clap_complete::generate(shell.generator(), &mut command, name, out);
}

/// Writes the man page (roff, section 1) to `out`: the options, then each subcommand.
pub fn write_man_page(out: &mut dyn Write) -> std::io::Result<()> {
    let command = Args::command();
    clap_mangen::Man::new(command).render(out)
}
