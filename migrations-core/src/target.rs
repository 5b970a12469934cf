//! Targets of `upgrade`, `downgrade` and `stamp`: `head`, `base`, a revision, or a relative step.

use std::fmt;
use std::str::FromStr;

use crate::revision::{Revision, RevisionId, RevisionSet};

/// Where a command should leave the database.
#[derive(Clone, Debug, PartialEq, Eq)]
// One target is built per command: a boxed revision would only make `Target::Revision(...)` clumsy.
#[allow(clippy::large_enum_variant)]
pub enum Target {
    /// Every revision applied.
    Head,
    /// Nothing applied, not even the baseline.
    Base,
    /// A revision, e.g. `migrations::revisions::ADD_TENANTS_TABLE`; it stays applied.
    Revision(Revision),
    /// A revision by id.
    Id(RevisionId),
    /// A revision as typed: file stem, 12-digit id or slug.
    Name(String),
    /// Steps from the current revision: `+1` applies one more, `-1` removes the newest.
    Relative(i64),
}

impl FromStr for Target {
    type Err = TargetError;

    /// Parses `head`, `base`, `+N`, `-N`, or a revision name.
    fn from_str(text: &str) -> Result<Target, TargetError> {
        match text {
            "" => Err(TargetError::Empty),
            "head" => Ok(Target::Head),
            "base" => Ok(Target::Base),
            _ if text.starts_with(['+', '-']) => text
                .parse::<i64>()
                .ok()
                .filter(|&n| n != 0)
                .map(Target::Relative)
                .ok_or_else(|| TargetError::BadStep {
                    text: text.to_owned(),
                }),
            _ => Ok(Target::Name(text.to_owned())),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Head => f.write_str("head"),
            Target::Base => f.write_str("base"),
            Target::Revision(revision) => f.write_str(revision.name()),
            Target::Id(id) => write!(f, "{id}"),
            Target::Name(name) => f.write_str(name),
            Target::Relative(steps) => write!(f, "{steps:+}"),
        }
    }
}

impl From<Revision> for Target {
    fn from(revision: Revision) -> Target {
        Target::Revision(revision)
    }
}

/// A target that does not name a place in the set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("empty target: use head, base, a revision (file stem, id or slug), +N or -N")]
    Empty,
    #[error("bad step `{text}`: write +N or -N with N at least 1, e.g. -1")]
    BadStep { text: String },
    #[error(
        "unknown revision `{target}`: name a revision by file stem, id or slug (`migrate history` lists them)"
    )]
    Unknown { target: String },
    #[error(
        "`{target}` goes below base: only {applied} revisions are applied; `base` removes them all"
    )]
    BelowBase { target: String, applied: usize },
    #[error(
        "`{target}` goes past head: only {pending} revisions are pending; `head` applies them all"
    )]
    PastHead { target: String, pending: usize },
}

impl Target {
    /// The number of revisions applied at this target, given how many are applied now.
    pub fn position(&self, set: &RevisionSet, current: usize) -> Result<usize, TargetError> {
        let unknown = || TargetError::Unknown {
            target: self.to_string(),
        };
        let after = |revision: Option<&Revision>| {
            revision.and_then(|r| set.position(r.id())).map(|i| i + 1)
        };
        match self {
            Target::Head => Ok(set.revisions().len()),
            Target::Base => Ok(0),
            Target::Revision(revision) => {
                let position = after(Some(revision)).ok_or_else(unknown)?;
                if set.revisions()[position - 1].name() != revision.name() {
                    return Err(unknown());
                }
                Ok(position)
            }
            Target::Id(id) => after(set.get(*id)).ok_or_else(unknown),
            Target::Name(name) => after(set.find(name)).ok_or_else(unknown),
            Target::Relative(steps) => {
                let position = current as i64 + steps;
                if position < 0 {
                    Err(TargetError::BelowBase {
                        target: self.to_string(),
                        applied: current,
                    })
                } else if position as usize > set.revisions().len() {
                    let pending = set.revisions().len() - current;
                    Err(TargetError::PastHead {
                        target: self.to_string(),
                        pending,
                    })
                } else {
                    Ok(position as usize)
                }
            }
        }
    }
}
