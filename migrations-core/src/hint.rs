//! The commands that messages name as the fix: those of the tool the user is running.
//!
//! A message says what to do by hand and then which command does it. Where the folder belongs to
//! an application (compile errors of `embed!`, the runtime's refusals, `cargo migrations`) the
//! command is `cargo migrations ...`; a program with commands of its own names them once, at
//! start-up, with [`use_commands`], and hands them to the programs it runs with
//! [`Commands::to_variable`].

use std::sync::OnceLock;

/// The command lines a fix may name, each without its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Commands {
    /// Writes a new revision revising the head, from the slug that follows.
    pub new_revision: &'static str,
    /// Moves the revision that follows after all the others.
    pub rebase: &'static str,
    /// Checks every file of the folder and the graph, then lints, offline.
    pub check: &'static str,
    /// Writes the folder's schema files.
    pub schema: &'static str,
    /// Runs every revision up, down and up again on a disposable PostgreSQL.
    pub verify: &'static str,
}

/// `cargo migrations`, the tool for any project's folder.
pub const CARGO_MIGRATIONS: Commands = Commands {
    new_revision: "cargo migrations new",
    rebase: "cargo migrations rebase",
    check: "cargo migrations check",
    schema: "cargo migrations schema",
    verify: "cargo migrations verify",
};

/// The environment variable through which a program's commands reach the programs it runs.
pub const COMMANDS_VARIABLE: &str = "MIGRATIONS_HINT_COMMANDS";

impl Commands {
    /// The value of [`COMMANDS_VARIABLE`] that names these commands in a child process.
    pub fn to_variable(&self) -> String {
        [
            self.new_revision,
            self.rebase,
            self.check,
            self.schema,
            self.verify,
        ]
        .join("\n")
    }

    fn from_variable() -> Option<Commands> {
        let value = std::env::var(COMMANDS_VARIABLE).ok()?;
        // Read once per process: the strings live as long as the process anyway.
        let value: &'static str = Box::leak(value.into_boxed_str());
        let mut lines = value.lines();
        let commands = Commands {
            new_revision: lines.next()?,
            rebase: lines.next()?,
            check: lines.next()?,
            schema: lines.next()?,
            verify: lines.next()?,
        };
        lines.next().is_none().then_some(commands)
    }
}

static COMMANDS: OnceLock<Commands> = OnceLock::new();

/// Makes every message of this process name `commands`. Call it first thing in `main`: once a
/// message has named the commands they no longer change, so that a run does not contradict
/// itself.
pub fn use_commands(commands: Commands) {
    let _ = COMMANDS.set(commands);
}

/// The commands messages name: those given to [`use_commands`], else those of
/// [`COMMANDS_VARIABLE`], else `cargo migrations`'.
pub fn commands() -> &'static Commands {
    COMMANDS.get_or_init(|| Commands::from_variable().unwrap_or(CARGO_MIGRATIONS))
}
