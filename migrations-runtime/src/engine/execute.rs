//! Executing a unit: a transactional one through [`super::retry`], a non-transactional one here,
//! statement by statement behind the dirty marker.

use migrations_core::history::HistoryTable;
use migrations_core::script::{Source, Unit};

use super::locate::statement_error;
use super::retry::{Execution, Ran, run_retrying};
use super::transaction::finishing;
use crate::error::{Error, Outcome};
use crate::observed::Observed;
use crate::session::Session;

/// Runs one unit: in one transaction (tried again while it times out waiting for a lock), or
/// statement by statement behind the dirty marker.
pub(super) async fn run_unit<S: Session>(
    session: &mut S,
    history: &HistoryTable,
    unit: &Unit<'_>,
    execution: Execution<'_>,
) -> Result<Ran, Error> {
    let bookkeeping = finishing(unit).collect::<Vec<_>>().join(";\n");
    let Some((mark, clear)) = &unit.dirty_marker else {
        return run_retrying(session, unit, &bookkeeping, execution).await;
    };
    let mut observed = Observed::default();

    session
        .execute(mark)
        .await
        .map_err(Error::database("marking the database dirty"))?;
    // Its timeouts hold for the session until the reset after the last statement.
    if !unit.envelope.is_empty() {
        session
            .execute(&unit.envelope.join(";\n"))
            .await
            .map_err(Error::database("setting the revision's timeouts"))?;
    }
    for statement in &unit.statements {
        // Each statement commits and releases its locks at once: only its rewrites can be seen.
        let before = match execution.observer {
            Some(observer) => Some(observer.before(session).await?),
            None => None,
        };
        let sent = session.execute(statement.sql).await;
        if let (Ok(()), Some(observer), Some(before)) = (&sent, execution.observer, &before) {
            let mut seen = observer.after(session, before).await?;
            seen.locks.clear();
            observed.merge(seen);
        }
        if let Err(error) = sent {
            let failure = statement_error(unit, statement, 0, &error, Outcome::Dirty);
            if let Some(Source::Revision { revision, .. }) = unit.source {
                let line = match &failure {
                    Error::Statement { line, .. } => *line,
                    _ => statement.line,
                };
                // As the session's own role: a revision's `SET ROLE` may not write the marker.
                let note = std::iter::once(history.note_failure(
                    revision,
                    statement.index,
                    line,
                    &failure.to_string(),
                ));
                let sql = unit.reset.iter().cloned().chain(note).collect::<Vec<_>>();
                let _ = session.execute(&sql.join(";\n")).await;
            }
            return Err(failure);
        }
    }
    session
        .execute(&format!("BEGIN;\n{bookkeeping};\n{clear};\nCOMMIT"))
        .await
        .map_err(Error::database(
            "recording the history after a non-transactional revision (the dirty marker stays)",
        ))?;
    Ok(Ran {
        attempts: 1,
        observed,
    })
}
