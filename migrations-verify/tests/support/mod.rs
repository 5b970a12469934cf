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

/// The server's major version (15, 16, 18, ...) and its full version ("15.18"), for choosing
/// what a version has and for saying which one a test ran on.
pub fn server_version(client: &mut postgres::Client) -> (u32, String) {
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int4, current_setting('server_version')",
            &[],
        )
        .expect("read the server version");
    let version: String = row.get(1);
    // "15.18 (Debian 15.18-0+deb12u1)": the number is enough.
    let number = version
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    (row.get::<_, i32>(0).unsigned_abs() / 10_000, number)
}

/// Of `extensions`, those this server cannot create. Only one reason is accepted for a missing one:
/// an installation without contrib modules at all (PostgreSQL 16 from `ci/install-postgres.sh 16`);
/// an installation with contrib that lacks one fails the test, naming it.
pub fn unavailable_extensions(client: &mut postgres::Client, extensions: &[&str]) -> Vec<String> {
    let available = |client: &mut postgres::Client, names: &[&str]| -> Vec<String> {
        client
            .query(
                "SELECT name::text FROM pg_available_extensions WHERE name = ANY($1) ORDER BY name",
                &[&names],
            )
            .expect("read pg_available_extensions")
            .iter()
            .map(|row| row.get(0))
            .collect()
    };
    let found = available(client, extensions);
    let missing: Vec<String> = extensions
        .iter()
        .filter(|name| !found.iter().any(|f| f == *name))
        .map(|name| (*name).to_owned())
        .collect();
    if missing.is_empty() {
        return missing;
    }
    // Modules every contrib build has, whatever libraries it was built with.
    let contrib = available(
        client,
        &["btree_gist", "cube", "hstore", "ltree", "pg_trgm"],
    );
    let (_, version) = server_version(client);
    assert!(
        contrib.is_empty(),
        "these tests need the extension(s) {} which PostgreSQL {version} lacks although it has \
         contrib modules ({}): install the full contrib (Debian: postgresql-contrib; \
         bash ci/install-postgres.sh N)",
        missing.join(", "),
        contrib.join(", "),
    );
    missing
}

/// The extensions a piece of SQL creates (`CREATE EXTENSION [IF NOT EXISTS] name`).
pub fn created_extensions(sql: &str) -> Vec<&str> {
    let words: Vec<&str> = sql
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|word| !word.is_empty())
        .collect();
    let mut extensions = Vec::new();
    for (index, pair) in words.windows(2).enumerate() {
        if pair[0].eq_ignore_ascii_case("CREATE") && pair[1].eq_ignore_ascii_case("EXTENSION") {
            let mut rest = words[index + 2..].iter();
            let mut name = rest.next().copied();
            if name.is_some_and(|word| word.eq_ignore_ascii_case("IF")) {
                name = rest.nth(2).copied();
            }
            extensions.extend(name.map(|name| name.trim_matches('"')));
        }
    }
    extensions
}

/// DDL with at least one object of every kind a snapshot reads, and a history table, for the
/// connected server: the extension part only where the server has the extension (see
/// [`unavailable_extensions`]), and the objects of PostgreSQL 18 from 18 on. Returns the SQL and
/// what was left out and why.
pub fn rich_schema(client: &mut postgres::Client) -> (String, Vec<String>) {
    let mut sql = include_str!("rich_schema.sql").to_owned();
    let mut left_out = Vec::new();
    let extension = include_str!("rich_schema_citext.sql");
    let missing = unavailable_extensions(client, &created_extensions(extension));
    if missing.is_empty() {
        sql.push_str(extension);
    } else {
        left_out.push(format!(
            "rich_schema_citext.sql: this installation has no contrib modules ({})",
            missing.join(", ")
        ));
    }
    let (major, version) = server_version(client);
    if major >= 18 {
        sql.push_str(include_str!("rich_schema_18.sql"));
    } else {
        left_out.push(format!(
            "rich_schema_18.sql: PostgreSQL {version} has none of its objects"
        ));
    }
    (sql, left_out)
}

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
