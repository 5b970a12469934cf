//! The databases of a fleet, from a list of connection strings or from the rows of a query.

use std::collections::HashMap;
use std::time::Duration;

use super::database::FleetDatabase;
use super::error::{FleetError, FleetListError, ListProblem};
use crate::connect::DatabaseUrl;
use crate::error::{DriverError, Error};

/// Reads a list of databases: one connection string per line (a URL or `key=value`); blank
/// lines and lines that start with `#` are left out. `list` names the list in messages (a file
/// name, or `stdin`). Every bad line is reported, each with its line number.
pub fn parse_databases(text: &str, list: &str) -> Result<Vec<FleetDatabase>, FleetListError> {
    let entries = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(number, line)| {
            let at = format!("{list}:{number}");
            let parsed = line
                .parse()
                .map_err(|error| ListProblem::BadConnectionString {
                    at: at.clone(),
                    error,
                });
            (at, parsed)
        });
    check(
        entries.collect(),
        list,
        "write one connection string per line (a postgres:// URL or key=value pairs)",
    )
}

/// The databases named by the rows of `sql`, run on `base`: the first column of each row is a
/// `key=value` string whose parameters replace `base`'s (`dbname=tenant_7`: the same server,
/// credentials and TLS settings, another database), or a URL of its own.
pub async fn query_databases(
    base: &DatabaseUrl,
    sql: &str,
    connect_timeout: Duration,
) -> Result<Vec<FleetDatabase>, FleetError> {
    let failed = |error: Error| FleetError::Query {
        url: base.to_string(),
        error: Box::new(error),
    };
    let bounded = base.clone().bounded(connect_timeout);
    let client = match tokio::time::timeout(connect_timeout, bounded.connect_async()).await {
        Ok(client) => client.map_err(|error| failed(error.into()))?,
        Err(_) => {
            return Err(failed(
                super::schedule::no_answer(&bounded, connect_timeout).into(),
            ));
        }
    };
    let messages = client.simple_query(sql).await.map_err(|error| {
        failed(Error::Database {
            during: "listing the databases",
            error: DriverError::from_driver(&error),
        })
    });
    drop(client);
    let rows = messages?.into_iter().filter_map(|message| match message {
        tokio_postgres::SimpleQueryMessage::Row(row) => Some(row.get(0).map(str::to_owned)),
        _ => None,
    });
    let list = "--databases-query";
    let entries = rows
        .enumerate()
        .map(|(i, row)| {
            let at = format!("{list} row {}", i + 1);
            let parsed = match row.as_deref().map(str::trim) {
                None => Err(ListProblem::Null { at: at.clone() }),
                Some(text) => {
                    let url = text.starts_with("postgres://") || text.starts_with("postgresql://");
                    match url {
                        true => text.parse(),
                        false => base.with_parameters(text),
                    }
                    .map_err(|error| ListProblem::BadConnectionString {
                        at: at.clone(),
                        error,
                    })
                }
            };
            (at, parsed)
        })
        .collect();
    Ok(check(
        entries,
        list,
        "the query returned no rows; check its WHERE clause against pg_database",
    )?)
}

/// The databases of parsed entries, or every bad entry and every database listed twice.
fn check(
    entries: Vec<(String, Result<DatabaseUrl, ListProblem>)>,
    list: &str,
    fix: &'static str,
) -> Result<Vec<FleetDatabase>, FleetListError> {
    if entries.is_empty() {
        return Err(FleetListError::Empty {
            list: list.to_owned(),
            fix,
        });
    }
    let mut problems = Vec::new();
    let mut databases = Vec::new();
    let mut first_seen: HashMap<String, String> = HashMap::new();
    for (at, parsed) in entries {
        match parsed {
            Err(problem) => problems.push(problem),
            Ok(url) => {
                let database = FleetDatabase::new(url);
                match first_seen.get(database.name()) {
                    Some(first) => problems.push(ListProblem::Duplicate {
                        at,
                        name: database.name().to_owned(),
                        first: first.clone(),
                    }),
                    None => {
                        first_seen.insert(database.name().to_owned(), at);
                        databases.push(database);
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(databases)
    } else {
        Err(FleetListError::Problems {
            list: list.to_owned(),
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_skip_comments_and_report_every_bad_line() {
        let text = "# tenants of the EU cluster\n\
                    postgres://app:s3cret@eu-1/tenant_a\n\
                    \n\
                    host=eu-2 dbname=tenant_b user=app\n\
                    postgres://app:s3cret@eu-1:5432/tenant_a?sslmode=require\n\
                    postgres://app:hunter2@eu-1:port/tenant_c\n\
                    host=eu-2 dbname=tenant_d sslmode=sometimes\n";
        let error = parse_databases(text, "tenants.txt")
            .unwrap_err()
            .to_string();
        assert!(
            !error.contains("s3cret") && !error.contains("hunter2"),
            "{error}"
        );
        expect_test::expect![[r#"
            tenants.txt has 3 bad entries; nothing was run:
              tenants.txt:5: eu-1:5432/tenant_a is listed already at tenants.txt:2; list each database once
              tenants.txt:6: bad database URL postgres://app:***@eu-1:port/tenant_c: invalid connection string: invalid value for option `port`
              tenants.txt:7: unsupported sslmode `sometimes`: use disable, prefer, require, verify-ca or verify-full"#]]
        .assert_eq(&error);
        let databases = parse_databases(&text.lines().take(4).collect::<Vec<_>>().join("\n"), "t")
            .expect("the first lines are good");
        let names: Vec<&str> = databases.iter().map(FleetDatabase::name).collect();
        assert_eq!(names, ["eu-1:5432/tenant_a", "eu-2:5432/tenant_b"]);
    }

    #[test]
    fn an_empty_list_is_an_error() {
        expect_test::expect!["stdin names no database: write one connection string per line (a postgres:// URL or key=value pairs)"]
            .assert_eq(&parse_databases("# none yet\n\n", "stdin").unwrap_err().to_string());
    }
}
