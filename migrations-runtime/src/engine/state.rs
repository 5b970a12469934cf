//! Reading the history tables: under the lock (creating them when missing) or without it.

use migrations_core::RevisionId;
use migrations_core::history::{HistoryTable, quote_literal};
use migrations_core::plan::AppliedRevision;

use super::{first_value, run_context};
use crate::error::{DirtyState, DriverError, Error};
use crate::session::{Session, TextRow};

/// What a changing command reads under the lock.
pub(super) struct LockedState {
    pub(super) dirty: Option<DirtyState>,
    pub(super) applied: Vec<AppliedRevision>,
    pub(super) repeatables: Vec<RecordedRepeatable>,
}

/// Reads the dirty marker, the history and the repeatables' checksums in one round trip; creates
/// the history tables first when one is missing (a new database, or one refinery migrated).
pub(super) async fn read_locked_state<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<LockedState, Error> {
    let query = format!(
        "{};\n{};\n{}",
        history.select_dirty(),
        history.select_applied(),
        history.select_repeatables()
    );
    let during = "reading the history tables";
    let sets = match session.result_sets(&query).await {
        Ok(sets) => sets,
        Err(error) if error.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => {
            session
                .execute(&history.create_statements().join(";\n"))
                .await
                .map_err(Error::database("creating the history tables"))?;
            session
                .result_sets(&query)
                .await
                .map_err(Error::database(during))?
        }
        Err(error) => return Err(Error::database(during)(error)),
    };
    let Ok([dirty, applied, repeatables]) = <[Vec<TextRow>; 3]>::try_from(sets) else {
        return Err(Error::Database {
            during,
            error: DriverError::Connection(
                "the server did not answer the three queries".to_owned(),
            ),
        });
    };
    Ok(LockedState {
        dirty: dirty_state(&dirty),
        applied: applied_revisions(history, applied)?,
        repeatables: recorded_repeatables(repeatables),
    })
}

pub(super) async fn tables_exist<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<bool, Error> {
    let checks: Vec<String> = history
        .tables()
        .iter()
        .map(|t| format!("pg_catalog.to_regclass({}) IS NOT NULL", quote_literal(t)))
        .collect();
    let rows = session
        .rows(&format!("SELECT {}", checks.join(" AND ")))
        .await
        .map_err(Error::database("looking for the history tables"))?;
    Ok(first_value(&rows) == Some("t"))
}

pub(super) async fn read_dirty<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<Option<DirtyState>, Error> {
    let rows = session
        .rows(&history.select_dirty())
        .await
        .map_err(Error::database("reading the dirty marker"))?;
    Ok(dirty_state(&rows))
}

pub(super) fn dirty_state(rows: &[TextRow]) -> Option<DirtyState> {
    rows.first().map(|row| {
        let text = |i: usize| row.get(i).cloned().flatten();
        let number = |i: usize| text(i).and_then(|v| v.parse::<u32>().ok());
        DirtyState {
            revision: text(1).unwrap_or_default(),
            direction: if text(2).as_deref() == Some("down") {
                "downgrade"
            } else {
                "upgrade"
            }
            .to_owned(),
            statement: number(3),
            line: number(4),
            error: text(5),
            since: text(6).unwrap_or_default(),
        }
    })
}

/// Reads the history table; a row refinery could not have written is an error, not a panic.
pub(super) async fn read_history<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<Vec<AppliedRevision>, Error> {
    let rows = session
        .rows(&history.select_applied())
        .await
        .map_err(Error::database("reading the history table"))?;
    applied_revisions(history, rows)
}

pub(super) fn applied_revisions(
    history: &HistoryTable,
    rows: Vec<TextRow>,
) -> Result<Vec<AppliedRevision>, Error> {
    rows.into_iter()
        .map(|row| {
            let text = |i: usize| row.get(i).cloned().flatten();
            let version = text(0).unwrap_or_default();
            let bad = |problem: &str| Error::BadHistory {
                table: history.name().to_owned(),
                version: version.clone(),
                problem: problem.to_owned(),
            };
            let id = version
                .parse::<i64>()
                .map_err(|_| bad("the version is not a number"))?;
            let name = text(1).ok_or_else(|| bad("the name is NULL"))?;
            let checksum = text(3)
                .and_then(|c| c.parse::<u64>().ok())
                .ok_or_else(|| bad("the checksum is not a decimal 64-bit number"))?;
            Ok(AppliedRevision {
                id: RevisionId(id),
                name,
                applied_on: text(2).unwrap_or_default(),
                checksum,
            })
        })
        .collect()
}

/// A row of the repeatable history: the checksum a repeatable migration last ran with, and when.
pub(super) struct RecordedRepeatable {
    pub(super) name: String,
    pub(super) checksum: u64,
    pub(super) applied_on: String,
}

pub(super) fn checksum_of(recorded: &[RecordedRepeatable], name: &str) -> Option<u64> {
    recorded.iter().find(|r| r.name == name).map(|r| r.checksum)
}

pub(super) async fn read_repeatables<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<Vec<RecordedRepeatable>, Error> {
    let rows = session
        .rows(&history.select_repeatables())
        .await
        .map_err(Error::database("reading the repeatable history"))?;
    Ok(recorded_repeatables(rows))
}

pub(super) fn recorded_repeatables(rows: Vec<TextRow>) -> Vec<RecordedRepeatable> {
    rows.into_iter()
        .filter_map(|row| {
            let text = |i: usize| row.get(i).cloned().flatten();
            Some(RecordedRepeatable {
                name: text(0)?,
                checksum: text(1)?.parse().ok()?,
                applied_on: text(2).unwrap_or_default(),
            })
        })
        .collect()
}

/// The applied history, the dirty marker and the repeatables' checksums, without the lock;
/// empty when the history tables do not exist yet.
pub(super) struct Snapshot {
    /// The history tables, their schema resolved.
    pub(super) history: HistoryTable,
    pub(super) applied: Vec<AppliedRevision>,
    pub(super) dirty: Option<DirtyState>,
    pub(super) repeatables: Vec<RecordedRepeatable>,
}

pub(super) async fn read_state<S: Session>(
    session: &mut S,
    history: &HistoryTable,
) -> Result<Snapshot, Error> {
    let history = run_context(session, history).await?.history;
    if !tables_exist(session, &history).await? {
        // A database refinery migrated has only its own table: read it anyway.
        let refinery_only = session
            .rows(&format!(
                "SELECT pg_catalog.to_regclass({}) IS NOT NULL",
                quote_literal(history.qualified())
            ))
            .await
            .map_err(Error::database("looking for the history table"))?;
        let applied = if first_value(&refinery_only) == Some("t") {
            read_history(session, &history).await?
        } else {
            Vec::new()
        };
        return Ok(Snapshot {
            history,
            applied,
            dirty: None,
            repeatables: Vec::new(),
        });
    }
    Ok(Snapshot {
        applied: read_history(session, &history).await?,
        dirty: read_dirty(session, &history).await?,
        repeatables: read_repeatables(session, &history).await?,
        history,
    })
}
