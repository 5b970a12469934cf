//! `--json` on one database: each command prints its document on one line; `upgrade` and
//! `downgrade` print a line per step as the step finishes, then the summary, so that a deploy
//! pipeline can follow a long run. A refused command line is a JSON error too.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::json::{
    CurrentDocument, HistoryDocument, PendingDocument, StepDocument, SummaryDocument,
};
use super::json_error::ErrorDocument;
use super::{Subcommands, parse_target};
use crate::error::Error;
use crate::runner::{Resolution, Runner};

/// What a command prints with `--json`, run on the database; the step lines of a change are
/// printed while it runs.
pub(super) async fn output(
    runner: &Runner,
    client: &mut tokio_postgres::Client,
    command: Subcommands,
) -> Result<String, Error> {
    Ok(match command {
        // `run` hands drift to `drift::run`, which prints its own document and exit code.
        Subcommands::Drift(_) => String::new(),
        Subcommands::Current => line(&CurrentDocument::from(&runner.current_async(client).await?)),
        Subcommands::History => line(&HistoryDocument::from(&runner.history_async(client).await?)),
        Subcommands::Pending => line(&PendingDocument::from(
            runner.pending_async(client).await?.as_slice(),
        )),
        Subcommands::Upgrade { target, .. } => {
            let target = parse_target(target.as_deref().unwrap_or("head"))?;
            let report = streaming(runner).upgrade_async(client, target).await?;
            line(&SummaryDocument::new(
                "upgrade",
                &report,
                runner.revisions(),
            ))
        }
        Subcommands::Downgrade { target, .. } => {
            let target = parse_target(&target)?;
            let report = streaming(runner).downgrade_async(client, target).await?;
            line(&SummaryDocument::new(
                "downgrade",
                &report,
                runner.revisions(),
            ))
        }
        Subcommands::Stamp { target } => {
            let report = runner.stamp_async(client, parse_target(&target)?).await?;
            line(&SummaryDocument::new("stamp", &report, runner.revisions()))
        }
        Subcommands::Resolve { finished, .. } => {
            let resolution = if finished {
                Resolution::Finished
            } else {
                Resolution::RolledBack
            };
            let report = runner.resolve_async(client, resolution).await?;
            line(&SummaryDocument::new(
                "resolve",
                &report,
                runner.revisions(),
            ))
        }
    })
}

/// The runner, printing each step's line on stdout as the step finishes.
fn streaming(runner: &Runner) -> Runner {
    runner.clone().on_step(|step| {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line(&StepDocument::from(step)).as_bytes());
        let _ = out.flush();
    })
}

/// A document on one line.
fn line(document: &impl Serialize) -> String {
    // The documents are plain structs of strings and numbers: serialising them cannot fail.
    let mut text = serde_json::to_string(document).unwrap_or_default();
    text.push('\n');
    text
}

/// Whether the command line asks for JSON, read before clap parses it (to say why it refused
/// it in the form asked for).
pub(super) fn requested() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--json")
}

/// A command line clap refused: as clap prints it, or as a JSON error with `--json`; the exit
/// code is clap's either way. Help and the version are printed as they are.
pub(super) fn refused(error: clap::Error) -> ExitCode {
    if !(error.use_stderr() && requested()) {
        error.exit()
    }
    let text = error.to_string();
    let first = text.lines().next().unwrap_or_default();
    ErrorDocument::usage(first.strip_prefix("error: ").unwrap_or(first)).print();
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}
