//! The history tables and every statement that writes them.
//!
//! Applied revisions are recorded in refinery's own table (`refinery_schema_history` by default):
//! `version int8 PRIMARY KEY, name, applied_on, checksum`, with refinery's formats (RFC 3339 time,
//! decimal checksum), so that refinery reads what this tool writes and the other way round. An
//! upgrade's transactional revisions are recorded by refinery itself, which applies them (see the
//! runtime); the statements here record everything refinery does not do: non-transactional
//! revisions, stamps, downgrades, and the dry-run script. A test holds them equal to refinery's.
//!
//! Beside refinery's table live two of this project's: `<table>_dirty`, the marker of a
//! non-transactional revision that stopped part-way, and `<table>_repeatable`, the checksums of
//! the repeatable migrations last applied.
//!
//! Every statement names the tables with their schema, so that a revision's `SET search_path`
//! cannot send them elsewhere. An unqualified name is resolved once per run, by the runner
//! ([`HistoryTable::in_schema`]), or by psql when it runs a dry-run script
//! ([`HistoryTable::in_psql_variable`]).

use std::hash::{Hash, Hasher};

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

/// The time a history row is written, in refinery's RFC 3339 format, from the server's clock.
const APPLIED_NOW: &str = "pg_catalog.to_char(pg_catalog.clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

/// The psql variable a dry-run script stores the history table's schema in.
pub const PSQL_SCHEMA_VARIABLE: &str = "migrate_history_schema";

/// The history tables of one set of revisions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryTable {
    /// As configured: `table` or `schema.table`.
    name: String,
    /// What statements name it by: `"schema"."table"` once the schema is known.
    qualified: String,
    /// How `qualified` names the schema, with its trailing `.`; empty while unresolved.
    schema_prefix: String,
}

impl Default for HistoryTable {
    fn default() -> HistoryTable {
        HistoryTable::unchecked(DEFAULT_HISTORY_TABLE)
    }
}

/// A quoted identifier: `"` doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
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
        Ok(HistoryTable::unchecked(name))
    }

    fn unchecked(name: &str) -> HistoryTable {
        let mut table = HistoryTable {
            name: name.to_owned(),
            qualified: String::new(),
            schema_prefix: String::new(),
        };
        match name.split_once('.') {
            Some((schema, _)) => table.set_schema_prefix(format!("{}.", quote_ident(schema))),
            None => table.qualified = name.to_owned(),
        }
        table
    }

    fn set_schema_prefix(&mut self, prefix: String) {
        self.qualified = format!("{prefix}{}", quote_ident(self.table()));
        self.schema_prefix = prefix;
    }

    /// refinery's table of applied revisions, as configured.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The table's name without its schema.
    pub fn table(&self) -> &str {
        self.name.split_once('.').map_or(&self.name, |(_, t)| t)
    }

    /// The schema the configuration names, if it names one.
    pub fn configured_schema(&self) -> Option<&str> {
        self.name.split_once('.').map(|(s, _)| s)
    }

    /// True once every statement names the schema.
    pub fn is_qualified(&self) -> bool {
        !self.schema_prefix.is_empty()
    }

    /// The tables in `schema`, the one the runner resolved (a configured schema stays).
    pub fn in_schema(&self, schema: &str) -> HistoryTable {
        let mut table = self.clone();
        if self.configured_schema().is_none() {
            table.set_schema_prefix(format!("{}.", quote_ident(schema)));
        }
        table
    }

    /// The tables in the schema a dry-run script resolves into [`PSQL_SCHEMA_VARIABLE`].
    pub fn in_psql_variable(&self) -> HistoryTable {
        let mut table = self.clone();
        if self.configured_schema().is_none() {
            table.set_schema_prefix(format!(":\"{PSQL_SCHEMA_VARIABLE}\"."));
        }
        table
    }

    /// The query that finds the schema of an unqualified table: the one it already lives in under
    /// the connection's `search_path`, else `current_schema()`, where it would be created. NULL
    /// when the `search_path` names no existing schema.
    pub fn schema_query(&self) -> String {
        format!(
            "SELECT coalesce((SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass({})), pg_catalog.current_schema())",
            quote_literal(&quote_ident(self.table()))
        )
    }

    /// `schema_query` for psql: stores the schema in [`PSQL_SCHEMA_VARIABLE`]; `None` when the
    /// configuration names the schema.
    pub fn psql_schema_lookup(&self) -> Option<String> {
        self.configured_schema()
            .is_none()
            .then(|| format!("{} AS {PSQL_SCHEMA_VARIABLE} \\gset", self.schema_query()))
    }

    /// `suffix` appended to the table's name, with the schema.
    fn sibling(&self, suffix: &str) -> String {
        if self.is_qualified() {
            format!(
                "{}{}",
                self.schema_prefix,
                quote_ident(&format!("{}{suffix}", self.table()))
            )
        } else {
            format!("{}{suffix}", self.name)
        }
    }

    /// The table, with its schema once known, as statements name it.
    pub fn qualified(&self) -> &str {
        &self.qualified
    }

    /// The marker of a non-transactional revision that stopped part-way.
    pub fn dirty_table(&self) -> String {
        self.sibling("_dirty")
    }

    /// The checksums of the repeatable migrations last applied.
    pub fn repeatable_table(&self) -> String {
        self.sibling("_repeatable")
    }

    /// All three tables as configured (`table` or `schema.table`, unquoted), as `verify` leaves
    /// them out of schema comparisons.
    pub fn tables(&self) -> [String; 3] {
        [
            self.name.clone(),
            format!("{}_dirty", self.name),
            format!("{}_repeatable", self.name),
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
            self.qualified
        );
        vec![
            refinery,
            format!(
                "CREATE TABLE IF NOT EXISTS {} (\n    version int8 PRIMARY KEY,\n    name text NOT NULL,\n    direction text NOT NULL,\n    statement integer,\n    line integer,\n    error text,\n    started_at timestamptz NOT NULL DEFAULT pg_catalog.now()\n)",
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
            self.qualified
        )
    }

    /// The dirty marker; its start in RFC 3339 (UTC), whatever the session's `DateStyle`.
    pub fn select_dirty(&self) -> String {
        format!(
            "SELECT version, name, direction, statement, line, error, pg_catalog.to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM {}",
            self.dirty_table()
        )
    }

    pub fn select_repeatables(&self) -> String {
        format!(
            "SELECT name, checksum, applied_on FROM {} ORDER BY name",
            self.repeatable_table()
        )
    }

    /// The history row of `revision`, applied now: refinery's `INSERT`, timed by the server
    /// when the statement runs (in a dry-run script too, rather than when it was rendered).
    pub fn record_applied(&self, revision: &Revision) -> String {
        format!(
            "INSERT INTO {} (version, name, applied_on, checksum) VALUES ({}, '{}', {APPLIED_NOW}, '{}')",
            self.qualified,
            revision.id().get(),
            revision.slug(),
            revision.checksum()
        )
    }

    /// The rows that stamp revisions as applied without running them (refinery's fake target).
    pub fn record_stamped(&self, revisions: &[&Revision]) -> Vec<String> {
        revisions.iter().map(|r| self.record_applied(r)).collect()
    }

    /// Removes a revision's row: what a downgrade or a backward stamp does.
    pub fn erase(&self, revision: &Revision) -> String {
        format!(
            "DELETE FROM {} WHERE version = {}",
            self.qualified,
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
            "INSERT INTO {table} (name, checksum, applied_on) VALUES ('{name}', '{checksum}', {APPLIED_NOW})\nON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_on = EXCLUDED.applied_on",
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
    fn statements_name_the_schema_once_resolved() {
        let table = HistoryTable::default();
        assert!(!table.is_qualified());
        let resolved = table.in_schema("App");
        assert_eq!(resolved.qualified(), r#""App"."refinery_schema_history""#);
        assert_eq!(
            resolved.dirty_table(),
            r#""App"."refinery_schema_history_dirty""#
        );
        assert_eq!(
            table.in_psql_variable().repeatable_table(),
            r#":"migrate_history_schema"."refinery_schema_history_repeatable""#
        );
        // A configured schema wins over a resolved one, and the lock stays the configured name's.
        let named = HistoryTable::new("meta.history").unwrap_or_default();
        assert_eq!(named.in_schema("public").qualified(), r#""meta"."history""#);
        assert_eq!(named.psql_schema_lookup(), None);
        assert_eq!(resolved.lock_key(), table.lock_key());
        assert_eq!(resolved.tables()[1], "refinery_schema_history_dirty");
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
