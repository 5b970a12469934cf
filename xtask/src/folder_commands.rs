//! `new-migration`, `check`, `lint`, `history`, `heads` and `rebase`: `migrations-tool`'s
//! commands, which `cargo migrations` runs too, on the folder `--migrations` names or the
//! project's own.

use std::path::Path;
use std::process::ExitCode;

use crate::flags::Command;

/// Runs an offline command; `None` for a command that is not one.
pub fn run(command: &Command, root: &Path) -> Option<anyhow::Result<ExitCode>> {
    let folder = root.join("migrations");
    let passed = match command {
        Command::NewMigration(command) => command.run(&folder),
        Command::Check(command) => command.run(&folder),
        Command::Lint(command) => command.run(&folder),
        Command::History(history) => history
            .folder
            .open(&folder)
            .and_then(|folder| migrations_tool::history(&folder)),
        Command::Heads(arg) => arg
            .open(&folder)
            .and_then(|folder| migrations_tool::heads(&folder)),
        Command::Rebase(command) => command.run(&folder),
        _ => return None,
    };
    Some(passed.map_err(anyhow::Error::from).map(|passed| {
        if passed {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }))
}
