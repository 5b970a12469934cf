//! `migrations-verify`: the stairway over a folder of revisions, on a disposable PostgreSQL.
//! `cargo xtask verify` runs it on this project's folder; `cargo migrations verify` is the same.

use clap::Parser;
use migrations_verify::command_line::{VerifyArgs, run_verify};

fn main() -> std::process::ExitCode {
    run_verify(VerifyArgs::parse())
}
