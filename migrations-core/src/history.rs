//! The history tables and every statement that writes them.
//!
//! Applied revisions are recorded in refinery's own table (`refinery_schema_history` by default):
//! `version int8 PRIMARY KEY, name, applied_on, checksum`, with refinery's formats (RFC 3339 time,
//! decimal checksum). The statements that apply a revision come from refinery itself: its
//! `migrate` function is driven with a [`Recorder`] in place of a connection, so the batch it
//! would send (the revision's SQL and its history `INSERT`, or the `INSERT`s alone for a fake
//! stamp) is what the runner executes, in one transaction, and what the dry-run prints.
//!
//! Beside refinery's table live two of this project's: `<table>_dirty`, the marker of a
//! non-transactional revision that stopped part-way, and `<table>_repeatable`, the checksums of
//! the repeatable migrations last applied.

use std::convert::Infallible;
use std::hash::{Hash, Hasher};

use refinery_core::Migration;
use refinery_core::traits::sync::{Transaction, migrate};
use siphasher::sip::SipHasher13;

use crate::revision::{Repeatable, Revision};

/// refinery's default history table.
pub const DEFAULT_HISTORY_TABLE: &str = "refinery_schema_history";

/// The longest table name: the suffix `_repeatable` must still fit in PostgreSQL's 63 bytes.
const MAX_TABLE_NAME: usize = 63 - "_repeatable".len();

/// Which direction a revision is run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// A history table name that is not a plain (optionally schema-qualified) identifier.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "bad history table name `{name}`: use lower-case letters, digits and `_`, optionally `schema.table`, at most {MAX_TABLE_NAME} characters per part"
)]
pub struct HistoryTableError {
    pub name: String,
}

/// refinery could not compose the statements of a revision; a bug, since names are checked on load.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("refinery refused revision `{revision}`: {message}")]
    Refused { revision: String, message: String },
    #[error(
        "refinery's checksum of `{revision}` is {refinery}, the embedded one is {embedded}: rebuild the binary from the same sources"
    )]
    ChecksumMismatch {
        revision: String,
        refinery: u64,
        embedded: u64,
    },
}

/// The history tables of one set of revisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryTable {
    name: String,
}

impl Default for HistoryTable {
    fn default() -> HistoryTable {
        HistoryTable {
            name: DEFAULT_HISTORY_TABLE.to_owned(),
        }
    }
}

/// Stands in for a connection when refinery composes statements: it keeps what refinery would
/// have sent instead of sending it.
#[derive(Default)]
struct Recorder {
    statements: Vec<String>,
}

impl Transaction for Recorder {
    type Error = Infallible;

    fn execute<'a, T: Iterator<Item = &'a str>>(
        &mut self,
        queries: T,
    ) -> Result<usize, Infallible> {
        let before = self.statements.len();
        self.statements.extend(queries.map(str::to_owned));
        Ok(self.statements.len() - before)
    }
}

impl HistoryTable {
    pub fn new(name: &str) -> Result<HistoryTable, HistoryTableError> {
        let valid_part = |part: &str| {
            !part.is_empty()
                && part.len() <= MAX_TABLE_NAME
                && part.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() > 2 || !parts.iter().all(|p| valid_part(p)) {
            return Err(HistoryTableError {
                name: name.to_owned(),
            });
        }
        Ok(HistoryTable {
            name: name.to_owned(),
        })
    }

    /// refinery's table of applied revisions.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The marker of a non-transactional revision that stopped part-way.
    pub fn dirty_table(&self) -> String {
        format!("{}_dirty", self.name)
    }

    /// The checksums of the repeatable migrations last applied.
    pub fn repeatable_table(&self) -> String {
        format!("{}_repeatable", self.name)
    }

    /// All three tables, as `verify` leaves them out of schema comparisons.
    pub fn tables(&self) -> [String; 3] {
        [
            self.name.clone(),
            self.dirty_table(),
            self.repeatable_table(),
        ]
    }

    /// The advisory lock every changing command holds: SipHash-1-3 (keys 0, 0) of
    /// `migrations lock <table>`, as a signed 64-bit key. For the default table it is
    /// [`HistoryTable::lock_key`] of `refinery_schema_history`, printed by `migrate current`.
    pub fn lock_key(&self) -> i64 {
        let mut hasher = SipHasher13::new();
        format!("migrations lock {}", self.name).hash(&mut hasher);
        hasher.finish() as i64
    }

    /// Creates the three tables when missing; refinery's own statement for its table.
    pub fn create_statements(&self) -> Vec<String> {
        let refinery = format!(
            "CREATE TABLE IF NOT EXISTS {}(\n             version int8 PRIMARY KEY,\n             name VARCHAR(255),\n             applied_on VARCHAR(255),\n             checksum VARCHAR(255))",
            self.name
        );
        vec![
            refinery,
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n    version int8 PRIMARY KEY,\n    name text NOT NULL,\n    direction text NOT NULL,\n    statement integer,\n    line integer,\n    error text,\n    started_at timestamptz NOT NULL DEFAULT now()\n)",
                self.dirty_table()
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n    name text PRIMARY KEY,\n    checksum VARCHAR(255) NOT NULL,\n    applied_on VARCHAR(255) NOT NULL\n)",
                self.repeatable_table()
            ),
        ]
    }

    /// refinery's query of the applied revisions, oldest first.
    pub fn select_applied(&self) -> String {
        format!(
            "SELECT version, name, applied_on, checksum FROM {} ORDER BY version ASC",
            self.name
        )
    }

    pub fn select_dirty(&self) -> String {
        format!(
            "SELECT version, name, direction, statement, line, error, started_at::text FROM {}",
            self.dirty_table()
        )
    }

    pub fn select_repeatables(&self) -> String {
        format!(
            "SELECT name, checksum, applied_on FROM {} ORDER BY name",
            self.repeatable_table()
        )
    }

    /// The refinery migration of a revision: its up SQL under refinery's `V<id>__<slug>` name.
    fn refinery_migration(revision: &Revision) -> Result<Migration, ComposeError> {
        let name = format!("V{}__{}", revision.id(), revision.slug());
        let migration = Migration::unapplied(&name, revision.up().sql()).map_err(|e| {
            ComposeError::Refused {
                revision: revision.name().to_owned(),
                message: e.to_string(),
            }
        })?;
        if migration.checksum() != revision.checksum() {
            return Err(ComposeError::ChecksumMismatch {
                revision: revision.name().to_owned(),
                refinery: migration.checksum(),
                embedded: revision.checksum(),
            });
        }
        Ok(migration)
    }

    /// What refinery sends for revisions under a target, as one batch.
    fn compose(
        &self,
        revisions: &[&Revision],
        target: refinery_core::Target,
    ) -> Result<Vec<String>, ComposeError> {
        let migrations = revisions
            .iter()
            .map(|r| Self::refinery_migration(r))
            .collect::<Result<Vec<_>, _>>()?;
        let mut recorder = Recorder::default();
        migrate(&mut recorder, migrations, target, &self.name, true).map_err(|e| {
            ComposeError::Refused {
                revision: revisions
                    .first()
                    .map_or_else(String::new, |r| r.name().to_owned()),
                message: e.to_string(),
            }
        })?;
        Ok(recorder.statements)
    }

    /// The history row refinery writes when it applies `revision` (its `INSERT`, timestamped now).
    pub fn record_applied(&self, revision: &Revision) -> Result<String, ComposeError> {
        let mut batch = self.compose(&[revision], refinery_core::Target::Latest)?;
        // refinery's batch is the revision's SQL followed by its INSERT; the SQL itself is run
        // statement by statement from the revision, so that a failure names its line.
        batch.pop().ok_or_else(|| ComposeError::Refused {
            revision: revision.name().to_owned(),
            message: "refinery composed no statement".to_owned(),
        })
    }

    /// The rows refinery writes to stamp revisions as applied without running them (its fake target).
    pub fn record_stamped(&self, revisions: &[&Revision]) -> Result<Vec<String>, ComposeError> {
        self.compose(revisions, refinery_core::Target::Fake)
    }

    /// Removes a revision's row: what a downgrade or a backward stamp does.
    pub fn erase(&self, revision: &Revision) -> String {
        format!(
            "DELETE FROM {} WHERE version = {}",
            self.name,
            revision.id().get()
        )
    }

    /// Marks the database dirty before a non-transactional revision starts.
    pub fn mark_dirty(&self, revision: &Revision, direction: Direction) -> String {
        format!(
            "INSERT INTO {} (version, name, direction) VALUES ({}, '{}', '{}')",
            self.dirty_table(),
            revision.id().get(),
            revision.name(),
            direction.as_str()
        )
    }

    /// Records where a non-transactional revision stopped; `error` is quoted here.
    pub fn note_failure(
        &self,
        revision: &Revision,
        statement: usize,
        line: u32,
        error: &str,
    ) -> String {
        format!(
            "UPDATE {} SET statement = {statement}, line = {line}, error = {} WHERE version = {}",
            self.dirty_table(),
            quote_literal(error),
            revision.id().get()
        )
    }

    /// Clears the dirty marker: with the history change when a revision completes, or by `resolve`.
    pub fn clear_dirty(&self) -> String {
        format!("DELETE FROM {}", self.dirty_table())
    }

    /// Records a repeatable migration's checksum, replacing the previous one.
    pub fn record_repeatable(&self, repeatable: &Repeatable) -> String {
        format!(
            "INSERT INTO {table} (name, checksum, applied_on) VALUES ('{name}', '{checksum}', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))\nON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_on = EXCLUDED.applied_on",
            table = self.repeatable_table(),
            name = repeatable.name(),
            checksum = repeatable.checksum()
        )
    }

    /// Forgets repeatable migrations, so the next upgrade runs them again.
    pub fn forget_repeatables(&self, names: &[&str]) -> String {
        let list = names
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "DELETE FROM {} WHERE name IN ({list})",
            self.repeatable_table()
        )
    }
}

/// A SQL string literal: `'` doubled, and `E''` with doubled backslashes when there are any.
pub fn quote_literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    if quoted.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names() {
        assert!(HistoryTable::new("refinery_schema_history").is_ok());
        assert!(HistoryTable::new("meta.schema_history").is_ok());
        for bad in [
            "",
            "History",
            "a.b.c",
            "x; DROP TABLE t",
            "1abc",
            &"a".repeat(53),
        ] {
            assert!(HistoryTable::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lock_key_is_stable() {
        assert_eq!(
            HistoryTable::default().lock_key(),
            HistoryTable::default().lock_key()
        );
        assert_ne!(
            HistoryTable::default().lock_key(),
            HistoryTable::new("other")
                .map(|t| t.lock_key())
                .unwrap_or(0)
        );
    }

    #[test]
    fn literals() {
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(r"a\b"), r"E'a\\b'");
    }
}
