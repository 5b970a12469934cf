//! What can be wrong with the list of a fleet's databases, found before any database is touched.

use std::fmt;

use crate::causes::message_and_causes;
use crate::connect::ConnectError;
use crate::error::Error;

/// One bad entry of a list; `at` names it (`tenants.txt:4`, `--databases-query row 2`).
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum ListProblem {
    #[error("{at}: {error}")]
    BadConnectionString {
        at: String,
        #[source]
        error: ConnectError,
    },
    #[error("{at}: {name} is listed already at {first}; list each database once")]
    Duplicate {
        at: String,
        name: String,
        first: String,
    },
    #[error("{at}: the row is NULL; the query must return one connection string per row")]
    Null { at: String },
}

/// A list that cannot be run: every problem of it, so that all are fixed at once.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum FleetListError {
    #[error("{list} names no database: {fix}")]
    Empty { list: String, fix: &'static str },
    #[error("{list} has {}; nothing was run:\n{}", entries(problems.len()), lines(problems))]
    Problems {
        list: String,
        problems: Vec<ListProblem>,
    },
}

fn entries(count: usize) -> String {
    match count {
        1 => "1 bad entry".to_owned(),
        n => format!("{n} bad entries"),
    }
}

fn lines(problems: &[ListProblem]) -> String {
    problems
        .iter()
        .map(|problem| format!("  {problem}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Listing the databases with a query failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    #[error(transparent)]
    List(#[from] FleetListError),
    #[error("the query that lists the databases failed on {url}: {error}")]
    Query {
        url: String,
        #[source]
        error: Box<Error>,
    },
}

impl fmt::Debug for ListProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        message_and_causes(self, f)
    }
}

impl fmt::Debug for FleetListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        message_and_causes(self, f)
    }
}

impl fmt::Debug for FleetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        message_and_causes(self, f)
    }
}
