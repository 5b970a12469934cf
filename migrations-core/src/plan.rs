//! Plans: from the applied history and a target, the steps a command takes.
//!
//! Planning is pure and checks the history against the revisions first: an applied revision whose
//! up section changed, an applied revision this code does not know, and a pending revision older
//! than an applied one are refused before anything runs.

use std::fmt;

use crate::history::Direction;
use crate::revision::{Repeatable, Revision, RevisionId, RevisionSet};
use crate::target::{Target, TargetError};

/// One row of the history table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedRevision {
    pub id: RevisionId,
    /// refinery's name: the slug.
    pub name: String,
    /// RFC 3339, as refinery writes it.
    pub applied_on: String,
    pub checksum: u64,
}

/// A history that does not match the revisions.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IntegrityError {
    #[error(
        "revision `{revision}` was applied with checksum {applied} but its up section now has checksum {current}: restore the applied up section of {file} and put the change in a new revision"
    )]
    Divergent {
        revision: String,
        file: String,
        applied: u64,
        current: u64,
    },
    #[error(
        "revision {id} is applied as `{applied_name}` but is named `{revision}` here: a revision must not be renamed once applied; restore its name"
    )]
    Renamed {
        id: RevisionId,
        applied_name: String,
        revision: String,
    },
    #[error(
        "the database has revision `{id}_{name}` applied, which this code does not know: it was applied by a newer version; deploy that version, or downgrade with it first"
    )]
    UnknownApplied { id: RevisionId, name: String },
    #[error(
        "revision `{pending}` is pending but older than `{newest}`, which is applied: it was merged after newer revisions were deployed; rename it to a timestamp after the head and point its `-- revises:` at the head (`{} {pending}` does both)",
        crate::hint::commands().rebase
    )]
    LateBranch { pending: String, newest: String },
}

/// Every mismatch between the history and the revisions, reported together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrityErrors(pub Vec<IntegrityError>);

impl fmt::Display for IntegrityErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}; nothing was changed", lines.join("; "))
    }
}

impl std::error::Error for IntegrityErrors {}

/// Checks the history against the set; returns how many revisions are applied.
///
/// Linear in the number of revisions: both lists are sorted.
pub fn applied_position(
    set: &RevisionSet,
    history: &[AppliedRevision],
) -> Result<usize, IntegrityErrors> {
    let mut problems = Vec::new();
    let mut applied = vec![false; set.revisions().len()];
    for row in history {
        let Some(position) = set.position(row.id) else {
            problems.push(IntegrityError::UnknownApplied {
                id: row.id,
                name: row.name.clone(),
            });
            continue;
        };
        let revision = &set.revisions()[position];
        applied[position] = true;
        if revision.slug() != row.name {
            problems.push(IntegrityError::Renamed {
                id: row.id,
                applied_name: row.name.clone(),
                revision: revision.name().to_owned(),
            });
        } else if revision.checksum() != row.checksum {
            problems.push(IntegrityError::Divergent {
                revision: revision.name().to_owned(),
                file: revision.file().to_owned(),
                applied: row.checksum,
                current: revision.checksum(),
            });
        }
    }
    let count = applied
        .iter()
        .rposition(|&a| a)
        .map_or(0, |newest| newest + 1);
    if count > 0 {
        let newest = set.revisions()[count - 1].name();
        for (revision, _) in set.revisions()[..count]
            .iter()
            .zip(&applied)
            .filter(|(_, a)| !**a)
        {
            problems.push(IntegrityError::LateBranch {
                pending: revision.name().to_owned(),
                newest: newest.to_owned(),
            });
        }
    }
    if problems.is_empty() {
        Ok(count)
    } else {
        Err(IntegrityErrors(problems))
    }
}

/// What a command does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Upgrade,
    Downgrade,
    Stamp,
}

impl Command {
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Upgrade => "upgrade",
            Command::Downgrade => "downgrade",
            Command::Stamp => "stamp",
        }
    }
}

/// A target on the wrong side of the current revision for the command.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(
        "cannot {command} to `{target}`: it is below the current revision `{current}`; use `downgrade {target}`"
    )]
    BelowCurrent {
        command: &'static str,
        target: String,
        current: String,
    },
    #[error(
        "cannot {command} to `{target}`: it is above the current revision `{current}`; use `upgrade {target}`"
    )]
    AboveCurrent {
        command: &'static str,
        target: String,
        current: String,
    },
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// Run a revision's up or down section with its history change.
    Run {
        revision: &'a Revision,
        direction: Direction,
    },
    /// Record revisions as applied, or remove their rows, without running them.
    Stamp {
        revisions: Vec<&'a Revision>,
        direction: Direction,
    },
}

/// The steps of one command, from `from` applied revisions to `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan<'a> {
    pub command: Command,
    pub from: usize,
    pub to: usize,
    pub steps: Vec<Step<'a>>,
}

/// The name of the state with `position` revisions applied: the newest one's, or `base`.
pub fn position_name(set: &RevisionSet, position: usize) -> &str {
    position
        .checked_sub(1)
        .map_or("base", |i| set.revisions()[i].name())
}

impl<'a> Plan<'a> {
    /// Plans `command` from `current` applied revisions to `target`.
    pub fn new(
        set: &'a RevisionSet,
        current: usize,
        command: Command,
        target: &Target,
    ) -> Result<Plan<'a>, PlanError> {
        let to = target.position(set, current)?;
        let revisions = set.revisions();
        let wrong_side = |above: bool| {
            let (command, target, current) = (
                command.as_str(),
                target.to_string(),
                position_name(set, current).to_owned(),
            );
            if above {
                PlanError::AboveCurrent {
                    command,
                    target,
                    current,
                }
            } else {
                PlanError::BelowCurrent {
                    command,
                    target,
                    current,
                }
            }
        };
        let steps = match command {
            Command::Upgrade if to < current => return Err(wrong_side(false)),
            Command::Downgrade if to > current => return Err(wrong_side(true)),
            Command::Upgrade => revisions[current..to]
                .iter()
                .map(|revision| Step::Run {
                    revision,
                    direction: Direction::Up,
                })
                .collect(),
            Command::Downgrade => revisions[to..current]
                .iter()
                .rev()
                .map(|revision| Step::Run {
                    revision,
                    direction: Direction::Down,
                })
                .collect(),
            Command::Stamp if to == current => Vec::new(),
            Command::Stamp if to > current => {
                vec![Step::Stamp {
                    revisions: revisions[current..to].iter().collect(),
                    direction: Direction::Up,
                }]
            }
            Command::Stamp => {
                vec![Step::Stamp {
                    revisions: revisions[to..current].iter().rev().collect(),
                    direction: Direction::Down,
                }]
            }
        };
        Ok(Plan {
            command,
            from: current,
            to,
            steps,
        })
    }
}

/// The revision a repeatable migration waits for: its `-- requires:`, or else the baseline.
pub fn required_revision(set: &RevisionSet, repeatable: &Repeatable) -> Option<RevisionId> {
    repeatable
        .requires()
        .or_else(|| set.base().map(Revision::id))
}

/// The repeatable migrations an upgrade that leaves `position` revisions applied runs: those
/// whose required revision is applied and whose checksum differs from the one last recorded.
pub fn repeatables_to_run(
    set: &RevisionSet,
    position: usize,
    recorded: impl Fn(&str) -> Option<u64>,
) -> Vec<&Repeatable> {
    set.repeatables()
        .iter()
        .filter(|r| {
            let ready = required_revision(set, r)
                .and_then(|id| set.position(id))
                .is_some_and(|p| p < position);
            ready && recorded(r.name()) != Some(r.checksum())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Entry, Sources};
    use crate::{Folder, RevisionSet};

    fn set(count: usize) -> RevisionSet {
        let mut entries = vec![Entry::File {
            name: "202511121302_baseline.sql".into(),
            contents: b"-- migrate:up\n-- migrate:down\n".to_vec(),
        }];
        let mut previous = "202511121302_baseline".to_owned();
        for i in 1..count {
            let name = format!("2025111214{i:02}_r{i}");
            let text = format!(
                "-- revises: {previous}\n-- migrate:up\nCREATE TABLE t{i} ();\n-- migrate:down\nDROP TABLE t{i};\n"
            );
            entries.push(Entry::File {
                name: format!("{name}.sql"),
                contents: text.into_bytes(),
            });
            previous = name;
        }
        Folder::parse(&Sources {
            display_root: "m".into(),
            versions: Some(entries),
            ..Sources::default()
        })
        .into_set()
        .expect("valid")
    }

    fn row(revision: &Revision) -> AppliedRevision {
        AppliedRevision {
            id: revision.id(),
            name: revision.slug().to_owned(),
            applied_on: "2025-11-12T14:00:00Z".to_owned(),
            checksum: revision.checksum(),
        }
    }

    fn describe(plan: &Plan<'_>) -> String {
        let steps: Vec<String> = plan
            .steps
            .iter()
            .map(|step| match step {
                Step::Run {
                    revision,
                    direction,
                } => format!("{} {}", direction.as_str(), revision.slug()),
                Step::Stamp {
                    revisions,
                    direction,
                } => format!(
                    "stamp {} {}",
                    direction.as_str(),
                    revisions
                        .iter()
                        .map(|r| r.slug())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            })
            .collect();
        format!("{}->{}: {}", plan.from, plan.to, steps.join("; "))
    }

    #[test]
    fn positions_follow_the_history() {
        let set = set(4);
        let history: Vec<AppliedRevision> = set.revisions()[..2].iter().map(row).collect();
        assert_eq!(applied_position(&set, &history), Ok(2));
        assert_eq!(applied_position(&set, &[]), Ok(0));
    }

    #[test]
    fn integrity_problems_are_reported_together() {
        let set = set(4);
        let mut history: Vec<AppliedRevision> = set.revisions().iter().map(row).collect();
        history.remove(1);
        history[0].checksum += 1;
        history.push(AppliedRevision {
            id: RevisionId(202601010000),
            ..row(&set.revisions()[0])
        });
        history[1].name = "renamed".to_owned();
        let error = applied_position(&set, &history).unwrap_err();
        expect_test::expect!["revision `202511121302_baseline` was applied with checksum 17111889977581210952 but its up section now has checksum 17111889977581210951: restore the applied up section of m/versions/202511121302_baseline.sql and put the change in a new revision; revision 202511121402 is applied as `renamed` but is named `202511121402_r2` here: a revision must not be renamed once applied; restore its name; the database has revision `202601010000_baseline` applied, which this code does not know: it was applied by a newer version; deploy that version, or downgrade with it first; revision `202511121401_r1` is pending but older than `202511121403_r3`, which is applied: it was merged after newer revisions were deployed; rename it to a timestamp after the head and point its `-- revises:` at the head (`cargo migrations rebase 202511121401_r1` does both); nothing was changed"]
        .assert_eq(&error.to_string());
    }

    #[test]
    fn plans() {
        let set = set(4);
        let plan = |current, command, target: &str| match Plan::new(
            &set,
            current,
            command,
            &target.parse().expect("target"),
        ) {
            Ok(plan) => describe(&plan),
            Err(error) => error.to_string(),
        };
        assert_eq!(
            plan(0, Command::Upgrade, "head"),
            "0->4: up baseline; up r1; up r2; up r3"
        );
        assert_eq!(plan(1, Command::Upgrade, "+2"), "1->3: up r1; up r2");
        assert_eq!(
            plan(3, Command::Upgrade, "r1"),
            "cannot upgrade to `r1`: it is below the current revision `202511121402_r2`; use `downgrade r1`"
        );
        assert_eq!(plan(4, Command::Downgrade, "-1"), "4->3: down r3");
        assert_eq!(
            plan(4, Command::Downgrade, "202511121401_r1"),
            "4->2: down r3; down r2"
        );
        assert_eq!(
            plan(4, Command::Downgrade, "base"),
            "4->0: down r3; down r2; down r1; down baseline"
        );
        assert_eq!(
            plan(1, Command::Downgrade, "-5"),
            "`-5` goes below base: only 1 revisions are applied; `base` removes them all"
        );
        assert_eq!(
            plan(1, Command::Upgrade, "+4"),
            "`+4` goes past head: only 3 revisions are pending; `head` applies them all"
        );
        assert_eq!(
            plan(1, Command::Upgrade, "nope"),
            "unknown revision `nope`: name a revision by file stem, id or slug (`migrate history` lists them)"
        );
        assert_eq!(plan(1, Command::Stamp, "head"), "1->4: stamp up r1,r2,r3");
        assert_eq!(
            plan(4, Command::Stamp, "202511121401"),
            "4->2: stamp down r3,r2"
        );
        assert_eq!(
            plan(4, Command::Stamp, "base"),
            "4->0: stamp down r3,r2,r1,baseline"
        );
        assert_eq!(plan(3, Command::Stamp, "r2"), "3->3: ");
    }
}
