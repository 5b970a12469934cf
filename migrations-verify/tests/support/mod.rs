//! Fresh databases for the tests, one per test, and the normalisation of what differs between servers.
#![allow(dead_code, reason = "each test crate uses its own part of the support")]

use migrations_disposable::{DisposableDb, DisposableServer};

/// A database of its own for one test, dropped with the value.
pub struct Database {
    disposable: DisposableDb,
}

impl Database {
    /// The database's URL, with its password, for psql.
    pub fn url(&self) -> &str {
        self.disposable.url().expose()
    }

    pub fn connect(&self) -> postgres::Client {
        self.disposable.connect().unwrap_or_else(|error| {
            panic!(
                "cannot connect to test database {}: {error}",
                self.disposable.name()
            )
        })
    }
}

/// A fresh, empty database on the process's disposable server (see `migrations-disposable` for how
/// it chooses a container, a local cluster or a given server); a test fails, never skips, when
/// there is no PostgreSQL to run on.
pub fn fresh_database() -> Database {
    let disposable = DisposableServer::shared()
        .and_then(|server| server.create_db())
        .unwrap_or_else(|error| panic!("these tests need PostgreSQL: {error}"));
    Database { disposable }
}

/// DDL with at least one object of every kind a snapshot reads, and a history table.
pub const RICH_SCHEMA: &str = include_str!("rich_schema.sql");

/// The options verify uses: the history table left out, column order exact.
pub fn history_excluded() -> migrations_verify::SnapshotOptions {
    migrations_verify::SnapshotOptions {
        excluded_tables: vec!["public.refinery_schema_history".to_owned()],
        ..Default::default()
    }
}

/// What the server said, which `postgres::Error` alone prints as `db error`.
pub fn server_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(server) => server.message().to_owned(),
        None => error.to_string(),
    }
}

/// Replaces the name of the connected role, which depends on the server the tests run against, by
/// `<me>` wherever it stands as a whole identifier.
pub fn redact_current_user(client: &mut postgres::Client, text: &str) -> String {
    let me: String = client
        .query_one("SELECT current_user::text", &[])
        .expect("current_user")
        .get(0);
    replace_identifier(text, &me, "<me>")
}

fn replace_identifier(text: &str, identifier: &str, replacement: &str) -> String {
    let is_identifier_char = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(index) = rest.find(identifier) {
        let before_ok = rest[..index]
            .chars()
            .next_back()
            .is_none_or(|c| !is_identifier_char(c))
            && (index > 0
                || out
                    .chars()
                    .next_back()
                    .is_none_or(|c| !is_identifier_char(c)));
        let after = &rest[index + identifier.len()..];
        let after_ok = after.chars().next().is_none_or(|c| !is_identifier_char(c));
        out.push_str(&rest[..index]);
        if before_ok && after_ok {
            out.push_str(replacement);
        } else {
            out.push_str(identifier);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}
