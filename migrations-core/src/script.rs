//! The SQL a plan executes, as units the runner executes and as the script `--sql` prints.
//!
//! One renderer serves both: the runner executes the units this module renders, and the dry-run
//! prints the same units as a psql script. Running that script with `psql` on a database has the
//! same effect as the runner (the history rows differ only in their `applied_on` time).

use std::fmt::{self, Write};

use crate::envelope::Envelope;
use crate::history::{Direction, HistoryTable};
use crate::plan::{Plan, Step, position_name, required_revision};
use crate::revision::{Repeatable, Revision, RevisionSet, Section};

/// A statement of a revision, located in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocatedStatement<'a> {
    pub sql: &'a str,
    pub file: &'a str,
    pub line: u32,
    /// 1-based position of the statement in its section.
    pub index: usize,
}

/// What a unit runs, when it runs the SQL of a revision or of a repeatable migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source<'a> {
    Revision {
        revision: &'a Revision,
        direction: Direction,
    },
    Repeatable(&'a Repeatable),
}

/// The SQL of one step: a revision's statements with its history change, or a stamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit<'a> {
    /// The comment that introduces the unit, e.g. `Running upgrade base -> 202511121302_baseline`.
    pub label: String,
    pub source: Option<Source<'a>>,
    /// False for revisions marked `transaction:false`: each statement commits on its own.
    pub transactional: bool,
    /// Run before the statements: the lock and statement timeouts (see [`Envelope`]); `SET
    /// LOCAL` in a transactional unit, `SET` in a non-transactional one.
    pub envelope: Vec<String>,
    pub statements: Vec<LocatedStatement<'a>>,
    /// Run after the statements, before the history changes: returns the session to the
    /// connection's defaults, so that a revision's `SET search_path`, `SET ROLE`, ... reach neither
    /// the history changes nor the next revision. The runner appends what restores the settings
    /// the connection had when the run started.
    pub reset: Vec<String>,
    /// The history changes. A transactional unit runs them in its transaction; a non-transactional
    /// one runs them in a transaction of their own after its statements, with `clear_dirty`.
    pub bookkeeping: Vec<String>,
    /// For a non-transactional unit: the marker written before its first statement, and removed
    /// with the history change once every statement has run.
    pub dirty_marker: Option<(String, String)>,
}

impl Unit<'_> {
    /// The revision's file stem, the repeatable's name, or for the tool's own units their label.
    pub fn name(&self) -> &str {
        match self.source {
            Some(Source::Revision { revision, .. }) => revision.name(),
            Some(Source::Repeatable(repeatable)) => repeatable.name(),
            None => &self.label,
        }
    }
}

/// What returns a session to the connection's defaults: `RESET ALL` leaves the role alone.
pub const RESET_SESSION: [&str; 2] = ["RESET ALL", "RESET ROLE"];

fn reset_session() -> Vec<String> {
    RESET_SESSION.iter().map(|s| (*s).to_owned()).collect()
}

fn located<'a>(section: &'a Section, file: &'a str) -> Vec<LocatedStatement<'a>> {
    section
        .statements()
        .enumerate()
        .map(|(i, s)| LocatedStatement {
            sql: s.sql,
            file,
            line: s.line,
            index: i + 1,
        })
        .collect()
}

/// Renders the unit of one step; `set` names the neighbours in labels.
pub fn render_step<'a>(
    set: &RevisionSet,
    step: &Step<'a>,
    history: &HistoryTable,
    envelope: &Envelope,
) -> Unit<'a> {
    match step {
        Step::Run {
            revision,
            direction,
        } => {
            let position = set.position(revision.id()).unwrap_or(0);
            let (section, label, bookkeeping) = match direction {
                Direction::Up => (
                    revision.up(),
                    format!(
                        "Running upgrade {} -> {}",
                        position_name(set, position),
                        revision.name()
                    ),
                    history.record_applied(revision),
                ),
                Direction::Down => (
                    revision.down(),
                    format!(
                        "Running downgrade {} -> {}",
                        revision.name(),
                        position_name(set, position)
                    ),
                    history.erase(revision),
                ),
            };
            let mut bookkeeping = vec![bookkeeping];
            if *direction == Direction::Down {
                // Below its required revision a repeatable's record goes, so the next upgrade
                // that reaches the revision again runs it again.
                let forgotten: Vec<&str> = set
                    .repeatables()
                    .iter()
                    .filter(|r| required_revision(set, r) == Some(revision.id()))
                    .map(Repeatable::name)
                    .collect();
                if !forgotten.is_empty() {
                    bookkeeping.push(history.forget_repeatables(&forgotten));
                }
            }
            let transactional = revision.is_transactional();
            let dirty_marker = (!transactional).then(|| {
                (
                    history.mark_dirty(revision, *direction),
                    history.clear_dirty(),
                )
            });
            Unit {
                label,
                source: Some(Source::Revision {
                    revision,
                    direction: *direction,
                }),
                transactional,
                envelope: envelope.statements(
                    revision.lock_timeout(),
                    revision.statement_timeout(),
                    transactional,
                ),
                statements: located(section, revision.file()),
                reset: reset_session(),
                bookkeeping,
                dirty_marker,
            }
        }
        Step::Stamp {
            revisions,
            direction,
        } => {
            let (first, last) = (revisions.first(), revisions.last());
            let names = |r: Option<&&Revision>| r.map_or("base", |r| r.name()).to_owned();
            let (label, bookkeeping) = match direction {
                Direction::Up => (
                    format!(
                        "Stamping {} -> {} (no SQL runs)",
                        before(set, first),
                        names(last)
                    ),
                    history.record_stamped(revisions),
                ),
                Direction::Down => {
                    let mut bookkeeping: Vec<String> =
                        revisions.iter().map(|r| history.erase(r)).collect();
                    let forgotten: Vec<&str> = set
                        .repeatables()
                        .iter()
                        .filter(|r| {
                            let required = required_revision(set, r);
                            revisions.iter().any(|rev| required == Some(rev.id()))
                        })
                        .map(Repeatable::name)
                        .collect();
                    if !forgotten.is_empty() {
                        bookkeeping.push(history.forget_repeatables(&forgotten));
                    }
                    let label = format!(
                        "Stamping {} -> {} (no SQL runs)",
                        names(first),
                        before(set, last)
                    );
                    (label, bookkeeping)
                }
            };
            Unit {
                label,
                source: None,
                transactional: true,
                envelope: Vec::new(),
                statements: Vec::new(),
                reset: Vec::new(),
                bookkeeping,
                dirty_marker: None,
            }
        }
    }
}

/// The name of the state just before `revision`.
fn before(set: &RevisionSet, revision: Option<&&Revision>) -> String {
    let position = revision.and_then(|r| set.position(r.id())).unwrap_or(0);
    position_name(set, position).to_owned()
}

/// Renders the unit that runs a repeatable migration and records its checksum.
pub fn render_repeatable<'a>(
    repeatable: &'a Repeatable,
    history: &HistoryTable,
    envelope: &Envelope,
) -> Unit<'a> {
    Unit {
        label: format!("Running repeatable {}", repeatable.name()),
        source: Some(Source::Repeatable(repeatable)),
        transactional: true,
        envelope: envelope.statements(None, None, true),
        statements: located(repeatable.body(), repeatable.file()),
        reset: reset_session(),
        bookkeeping: vec![history.record_repeatable(repeatable)],
        dirty_marker: None,
    }
}

/// A whole dry-run script: what a command would execute, for review or for `psql`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script<'a> {
    /// What was asked, e.g. `upgrade base:head`.
    pub title: String,
    pub lock_key: i64,
    /// A psql meta-command that resolves the history table's schema, when the script resolves it.
    pub schema_lookup: Option<String>,
    pub prepare: Vec<String>,
    pub units: Vec<Unit<'a>>,
}

impl<'a> Script<'a> {
    /// Renders every step of a plan, and the repeatable migrations that would run after it. An
    /// unresolved history table is resolved by psql when the script runs.
    pub fn render(
        set: &'a RevisionSet,
        plan: &Plan<'a>,
        history: &HistoryTable,
        envelope: &Envelope,
        repeatables: &[&'a Repeatable],
    ) -> Script<'a> {
        let schema_lookup = (!history.is_qualified())
            .then(|| history.psql_schema_lookup())
            .flatten();
        let resolved;
        let history = if history.is_qualified() {
            history
        } else {
            resolved = history.in_psql_variable();
            &resolved
        };
        let mut units = plan
            .steps
            .iter()
            .map(|step| render_step(set, step, history, envelope))
            .collect::<Vec<_>>();
        units.extend(
            repeatables
                .iter()
                .map(|r| render_repeatable(r, history, envelope)),
        );
        let title = format!(
            "{} {}:{}",
            plan.command.as_str(),
            position_name(set, plan.from),
            position_name(set, plan.to)
        );
        Script {
            title,
            lock_key: history.lock_key(),
            schema_lookup,
            prepare: history.create_statements(),
            units,
        }
    }
}

impl fmt::Display for Unit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "-- {}", self.label)?;
        let mut out = String::new();
        if self.transactional {
            out.push_str("BEGIN;\n");
            for statement in &self.envelope {
                let _ = writeln!(out, "{statement};");
            }
            for statement in &self.statements {
                let _ = writeln!(out, "{};", statement.sql);
            }
            for statement in self.reset.iter().chain(&self.bookkeeping) {
                let _ = writeln!(out, "{statement};");
            }
            out.push_str("COMMIT;\n");
        } else {
            out.push_str(
                "-- Outside a transaction: each statement commits on its own. If one fails, the\n",
            );
            out.push_str("-- dirty marker stays and later runs refuse until `migrate resolve`.\n");
            if let Some((mark, _)) = &self.dirty_marker {
                let _ = writeln!(out, "{mark};");
            }
            for statement in &self.envelope {
                let _ = writeln!(out, "{statement};");
            }
            for statement in &self.statements {
                let _ = writeln!(out, "{};", statement.sql);
            }
            out.push_str("BEGIN;\n");
            for statement in self.reset.iter().chain(&self.bookkeeping) {
                let _ = writeln!(out, "{statement};");
            }
            if let Some((_, clear)) = &self.dirty_marker {
                let _ = writeln!(out, "{clear};");
            }
            out.push_str("COMMIT;\n");
        }
        f.write_str(&out)
    }
}

impl fmt::Display for Script<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "-- migrate {}", self.title)?;
        writeln!(
            f,
            "-- The SQL `migrate` would execute, unit by unit. With psql: psql \"$DATABASE_URL\" -f <this file>."
        )?;
        writeln!(
            f,
            "-- Each revision's statements wait for a lock at most its lock_timeout; psql does not retry."
        )?;
        writeln!(f, "\\set ON_ERROR_STOP on")?;
        writeln!(f)?;
        writeln!(
            f,
            "-- The runner holds this lock for its whole run (it polls pg_try_advisory_lock, bounded by"
        )?;
        writeln!(
            f,
            "-- --lock-timeout), so that concurrent runs wait for each other."
        )?;
        writeln!(f, "SELECT pg_catalog.pg_advisory_lock({});", self.lock_key)?;
        writeln!(f)?;
        if let Some(lookup) = &self.schema_lookup {
            writeln!(
                f,
                "-- The schema of the history tables: where they are, else where they will be created."
            )?;
            writeln!(f, "{lookup}")?;
        }
        for statement in &self.prepare {
            writeln!(f, "{statement};")?;
        }
        for unit in &self.units {
            writeln!(f)?;
            write!(f, "{unit}")?;
        }
        if self.units.is_empty() {
            writeln!(f)?;
            writeln!(f, "-- Nothing to do.")?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "SELECT pg_catalog.pg_advisory_unlock({});",
            self.lock_key
        )
    }
}
