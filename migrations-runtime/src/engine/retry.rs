//! Trying a transactional unit again when it timed out waiting for a lock (SQLSTATE 55P03).
//!
//! A lock timeout rolls the unit back whole, so trying it again is safe. The waits between tries
//! grow exponentially with jitter, so that runners started together do not queue again in step.
//! Each retry is announced as a `tracing` event; when the tries are exhausted the error names the
//! relations the failing statement names that another session holds a lock on, and its query.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use migrations_core::history::quote_literal;
use migrations_core::script::Unit;

use super::observe::Observer;
use super::transaction::run_in_transaction;
use crate::blocker::{Blocker, on_relations};
use crate::error::{DriverError, Error};
use crate::observed::Observed;
use crate::report::StepReport;
use crate::session::Session;
use crate::settings::StepHook;

/// How a run executes its units.
#[derive(Clone, Copy)]
pub(super) struct Execution<'o> {
    /// Tries of a transactional unit that times out waiting for a lock.
    pub(super) attempts: u32,
    /// Set when the run records each unit's locks and rewrites.
    pub(super) observer: Option<&'o Observer>,
    /// Told of each step as it finishes.
    pub(super) on_step: Option<&'o StepHook>,
}

impl Execution<'_> {
    /// A step that is done: announced to the hook, then kept for the command's report.
    pub(super) fn finished(&self, step: StepReport) -> StepReport {
        if let Some(hook) = self.on_step {
            hook.finished(&step);
        }
        step
    }
}

/// How a unit went: the tries it took, and what it was seen to do.
pub(super) struct Ran {
    pub(super) attempts: u32,
    pub(super) observed: Observed,
}

/// The wait before the second try; it doubles for each later one.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Runs a transactional unit in one transaction, up to `execution.attempts` times while it
/// fails with a lock timeout.
pub(super) async fn run_retrying<S: Session>(
    session: &mut S,
    unit: &Unit<'_>,
    bookkeeping: &str,
    execution: Execution<'_>,
) -> Result<Ran, Error> {
    let attempts = execution.attempts.max(1);
    let mut attempt = 1;
    loop {
        let error = match run_in_transaction(session, unit, bookkeeping, execution.observer).await {
            Ok(observed) => {
                return Ok(Ran {
                    attempts: attempt,
                    observed,
                });
            }
            Err(error) => error,
        };
        let Some(statement) = lock_timeout_statement(unit, &error) else {
            return Err(error);
        };
        let blockers = blockers(session, statement).await;
        if attempt == attempts {
            return Err(Error::LockRetriesExhausted {
                unit: unit.name().to_owned(),
                attempts,
                blockers,
                last: Box::new(error),
            });
        }
        attempt += 1;
        tracing::warn!(
            "retrying {} (attempt {attempt} of {attempts}): lock timeout{}",
            unit.name(),
            on_relations(&blockers)
        );
        session.sleep(backoff(attempt)).await;
    }
}

/// The SQL of the statement whose lock wait timed out, when that is what `error` is.
fn lock_timeout_statement<'u>(unit: &'u Unit<'_>, error: &Error) -> Option<&'u str> {
    let (Error::Statement { error, line, .. } | Error::Repeatable { error, line, .. }) = error
    else {
        return None;
    };
    let DriverError::Server(db) = error else {
        return None;
    };
    if db.code != "55P03" {
        return None;
    }
    // The statement that starts at or before the failing line.
    unit.statements
        .iter()
        .rev()
        .find(|s| s.line <= *line)
        .or(unit.statements.first())
        .map(|s| s.sql)
}

/// The relations `statement` names that other sessions hold locks on. A diagnosis only: a failure
/// to read it leaves the list empty.
async fn blockers<S: Session>(session: &mut S, statement: &str) -> Vec<Blocker> {
    let names = relation_names(statement);
    if names.is_empty() {
        return Vec::new();
    }
    let list = names
        .iter()
        .map(|n| quote_literal(n))
        .collect::<Vec<_>>()
        .join(", ");
    // pg_stat_activity shows the query's text only, never its parameters' values.
    let query = format!(
        "SELECT DISTINCT pg_catalog.format('%I.%I', n.nspname, c.relname), l.mode, l.pid, \
         pg_catalog.left(pg_catalog.regexp_replace(a.query, '\\s+', ' ', 'g'), 120) \
         FROM pg_catalog.pg_locks l \
         JOIN pg_catalog.pg_class c ON c.oid = l.relation \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
         WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_catalog.pg_backend_pid() \
         AND l.relation IN (SELECT pg_catalog.to_regclass(name) FROM pg_catalog.unnest(ARRAY[{list}]::text[]) AS name) \
         ORDER BY 1, 3"
    );
    let Ok(rows) = session.rows(&query).await else {
        return Vec::new();
    };
    rows.into_iter()
        .filter_map(|row| {
            let text = |i: usize| row.get(i).cloned().flatten();
            Some(Blocker {
                relation: text(0)?,
                mode: text(1)?,
                pid: text(2)?.parse().ok()?,
                query: text(3).filter(|q| !q.is_empty()),
            })
        })
        .collect()
}

/// The words of a statement that may name a relation: identifiers, optionally qualified, outside
/// string literals and comments. `to_regclass` sorts out which ones do.
fn relation_names(statement: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut chars = statement.chars().peekable();
    let mut current = String::new();
    let finish = |current: &mut String, names: &mut Vec<String>| {
        let name = current.trim_matches('.').to_owned();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
        current.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                finish(&mut current, &mut names);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                finish(&mut current, &mut names);
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                current.push('"');
                for c in chars.by_ref() {
                    current.push(c);
                    if c == '"' {
                        break;
                    }
                }
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '$' => current.push(c),
            _ => finish(&mut current, &mut names),
        }
    }
    finish(&mut current, &mut names);
    // `to_regclass` rejects names of three parts or more instead of returning NULL.
    names.retain(|n| !n.starts_with(|c: char| c.is_ascii_digit()) && n.matches('.').count() <= 1);
    names
}

/// The wait before try `attempt` (2, 3, ...): doubling from [`FIRST_BACKOFF`], capped, with
/// jitter between half and one and a half times that.
fn backoff(attempt: u32) -> Duration {
    let doubled = FIRST_BACKOFF.saturating_mul(1 << attempt.saturating_sub(2).min(16));
    let base = doubled.min(MAX_BACKOFF);
    // A random number without a dependency: std's hasher keys are random per process.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(attempt);
    let jitter = (hasher.finish() % 1000) as f64 / 1000.0;
    base.mul_f64(0.5 + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_outside_literals_and_comments() {
        assert_eq!(
            relation_names(
                "ALTER TABLE app.tenants ADD COLUMN flag text DEFAULT 'no.such' -- on \"x\"\n REFERENCES \"Other\".t(id)"
            ),
            [
                "ALTER",
                "TABLE",
                "app.tenants",
                "ADD",
                "COLUMN",
                "flag",
                "text",
                "DEFAULT",
                "REFERENCES",
                "\"Other\".t",
                "id"
            ]
        );
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let second = backoff(2);
        assert!(second >= FIRST_BACKOFF / 2 && second <= FIRST_BACKOFF * 3 / 2);
        let fifth = backoff(5);
        assert!(fifth >= FIRST_BACKOFF * 4 && fifth <= FIRST_BACKOFF * 12);
        assert!(backoff(40) <= MAX_BACKOFF * 3 / 2);
    }
}
