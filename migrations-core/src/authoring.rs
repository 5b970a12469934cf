//! Writing revision files: a new revision from a template (`cargo migrations new`, `cargo xtask
//! new-migration`) and moving a revision after the others (`rebase`). Pure: callers read and write
//! the files.

use crate::file_name::{check_slug, parse_id};
use crate::graph::{BASELINE_SLUG, RevisionGraph};
use crate::load::{Folder, REPEATABLE_DIR, VERSIONS_DIR};
use crate::revision::RevisionId;
use crate::template::{TemplateError, render};

/// A new revision (or repeatable) could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AuthoringError {
    #[error(
        "bad slug `{slug}`: {reason}; use lower-case words joined by `_`, e.g. `add_user_flags`"
    )]
    BadSlug { slug: String, reason: String },
    #[error("slug `{slug}` is already used by `{other}`: choose another slug")]
    SlugTaken { slug: String, other: String },
    #[error(
        "the folder has no baseline yet: create it first with `{} baseline`",
        crate::hint::commands().new_revision
    )]
    NoBaseline,
    #[error("the folder already has revisions: a baseline is only the first revision")]
    BaselineExists,
    #[error(
        "the folder has {count} heads ({heads}): fix them first (`{} <revision>`)",
        crate::hint::commands().rebase
    )]
    SeveralHeads { count: usize, heads: String },
    #[error("the message must be one line: it becomes a `-- message:` header")]
    MultiLineMessage,
    #[error("bad extension name `{name}`: use the name `CREATE EXTENSION` takes, e.g. `pg_trgm`")]
    BadExtension { name: String },
    #[error("template `{template}` needs `--extension NAME`")]
    MissingExtension { template: String },
    #[error("repeatable migration `{name}` already exists: edit `{file}` instead")]
    RepeatableExists { name: String, file: String },
    #[error("`{name}` is not a revision of the folder: name it by its file stem or id")]
    UnknownRevision { name: String },
    #[error(
        "`{name}` is revised by `{child}`: rebase `{child}` first, or rebase the newest revision"
    )]
    RevisionHasChildren { name: String, child: String },
    #[error("`{name}` is the baseline; it stays first")]
    RebaseBaseline { name: String },
    #[error("`{name}` is already the newest revision and revises the one before it: nothing to do")]
    NothingToRebase { name: String },
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// What a new revision is made of, besides the folder it joins.
#[derive(Clone, Debug)]
pub struct NewRevision<'a> {
    pub slug: &'a str,
    pub message: Option<&'a str>,
    /// The template's name (for messages) and text.
    pub template: (&'a str, &'a str),
    pub extension: Option<&'a str>,
    /// The current UTC time; the revision takes it, or the first free minute after the head.
    pub now: RevisionId,
}

/// A file to write: its path relative to the folder, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile {
    pub path: String,
    pub contents: String,
}

/// The text of a new, empty baseline.
pub const BASELINE_TEXT: &str = "\
-- message: the empty schema every database starts from
--
-- The baseline records that a database is under migration control. A database that already has
-- the schema of a later revision is adopted with `migrate stamp <revision>`.

-- migrate:up

-- migrate:down
";

impl NewRevision<'_> {
    /// Renders the new revision file for `folder`, revising its head.
    pub fn render(&self, folder: &Folder) -> Result<NewFile, AuthoringError> {
        self.check_inputs()?;
        if let Some(other) = folder.revisions.iter().find(|r| r.slug() == self.slug) {
            return Err(AuthoringError::SlugTaken {
                slug: self.slug.to_owned(),
                other: other.name.clone(),
            });
        }
        let heads = RevisionGraph::new(&folder.revisions).heads();
        let head = match heads.as_slice() {
            [] if self.slug == BASELINE_SLUG => {
                let name = format!("{}_{BASELINE_SLUG}", self.now);
                return Ok(NewFile {
                    path: format!("{VERSIONS_DIR}/{name}.sql"),
                    contents: BASELINE_TEXT.to_owned(),
                });
            }
            [] => return Err(AuthoringError::NoBaseline),
            [head] if self.slug == BASELINE_SLUG => {
                let _ = head;
                return Err(AuthoringError::BaselineExists);
            }
            [head] => *head,
            several => {
                let heads = several
                    .iter()
                    .map(|h| h.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(AuthoringError::SeveralHeads {
                    count: several.len(),
                    heads,
                });
            }
        };
        let latest = folder
            .revisions
            .iter()
            .map(|r| r.id)
            .max()
            .unwrap_or(head.id);
        let id = free_minute(self.now, latest, |id| {
            folder.revisions.iter().any(|r| r.id == id)
        });
        let name = format!("{id}_{}", self.slug);
        let contents = self.render_template(&name, Some(&head.name))?;
        Ok(NewFile {
            path: format!("{VERSIONS_DIR}/{name}.sql"),
            contents,
        })
    }

    /// Renders a new repeatable migration file `repeatable/<slug>.sql`, requiring the head.
    pub fn render_repeatable(&self, folder: &Folder) -> Result<NewFile, AuthoringError> {
        self.check_inputs()?;
        if let Some(existing) = folder.repeatables.iter().find(|r| r.name == self.slug) {
            return Err(AuthoringError::RepeatableExists {
                name: self.slug.to_owned(),
                file: existing.file.clone(),
            });
        }
        let head = RevisionGraph::new(&folder.revisions)
            .heads()
            .last()
            .map(|h| h.name.as_str());
        let contents = self.render_template(self.slug, head)?;
        Ok(NewFile {
            path: format!("{REPEATABLE_DIR}/{}.sql", self.slug),
            contents,
        })
    }

    /// Checks what the caller passed, before looking at the folder.
    fn check_inputs(&self) -> Result<(), AuthoringError> {
        check_slug(self.slug).map_err(|reason| AuthoringError::BadSlug {
            slug: self.slug.to_owned(),
            reason,
        })?;
        if self.message.is_some_and(|m| m.contains(['\n', '\r'])) {
            return Err(AuthoringError::MultiLineMessage);
        }
        if let Some(extension) = self.extension
            && (extension.is_empty()
                || !extension
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        {
            return Err(AuthoringError::BadExtension {
                name: extension.to_owned(),
            });
        }
        let (template_name, template) = self.template;
        if template.contains("{{extension}}") && self.extension.is_none() {
            return Err(AuthoringError::MissingExtension {
                template: template_name.to_owned(),
            });
        }
        Ok(())
    }

    fn render_template(&self, name: &str, revises: Option<&str>) -> Result<String, AuthoringError> {
        let (template_name, template) = self.template;
        let created = self.now.to_string();
        let created = format!(
            "{}-{}-{} {}:{} UTC",
            &created[..4],
            &created[4..6],
            &created[6..8],
            &created[8..10],
            &created[10..12]
        );
        let values = [
            ("name", Some(name)),
            ("slug", Some(self.slug)),
            ("revises", revises),
            ("message", self.message),
            ("created", Some(created.as_str())),
            ("extension", self.extension),
            // The commands the template's comments name, those of the tool that writes it.
            ("new", Some(crate::hint::commands().new_revision)),
            ("check", Some(crate::hint::commands().check)),
            ("verify", Some(crate::hint::commands().verify)),
        ];
        Ok(render(template_name, template, &values)?)
    }
}

/// The first minute at or after `now`, later than `latest`, that no revision uses.
fn free_minute(
    now: RevisionId,
    latest: RevisionId,
    taken: impl Fn(RevisionId) -> bool,
) -> RevisionId {
    let mut id = if now > latest {
        now
    } else {
        next_minute(latest)
    };
    while taken(id) {
        id = next_minute(id);
    }
    id
}

/// What `rebase` does to one revision: the file to remove and the file to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebase {
    /// The old path, relative to the folder.
    pub remove: String,
    pub write: NewFile,
}

/// Moves revision `name` after every other revision: a new timestamp after the newest one (or
/// `now`, when later) and `-- revises:` pointing at it. This is the fix for two heads.
pub fn rebase(
    folder: &Folder,
    name: &str,
    text: &str,
    now: RevisionId,
) -> Result<Rebase, AuthoringError> {
    let unknown = || AuthoringError::UnknownRevision {
        name: name.to_owned(),
    };
    let target = match parse_id(name) {
        Some(id) if name.len() == 12 => folder.revisions.iter().find(|r| r.id == id),
        _ => folder.revisions.iter().find(|r| r.name == name),
    }
    .ok_or_else(unknown)?;
    if target.slug() == BASELINE_SLUG && target.parsed.revises.is_none() {
        return Err(AuthoringError::RebaseBaseline {
            name: target.name.clone(),
        });
    }
    if let Some(child) = folder.revisions.iter().find(|r| {
        r.parsed
            .revises
            .as_ref()
            .is_some_and(|h| h.value == target.name)
    }) {
        return Err(AuthoringError::RevisionHasChildren {
            name: target.name.clone(),
            child: child.name.clone(),
        });
    }
    let others = folder.revisions.iter().filter(|r| r.name != target.name);
    let Some(newest) = others.max_by_key(|r| (r.id, &r.name)) else {
        return Err(AuthoringError::RebaseBaseline {
            name: target.name.clone(),
        });
    };
    if newest.id < target.id
        && target
            .parsed
            .revises
            .as_ref()
            .is_some_and(|h| h.value == newest.name)
    {
        return Err(AuthoringError::NothingToRebase {
            name: target.name.clone(),
        });
    }
    let id = free_minute(now, newest.id, |id| {
        folder.revisions.iter().any(|r| r.id == id)
    });
    let new_name = format!("{id}_{}", target.slug());
    let revises_line = format!("-- revises: {}", newest.name);
    let contents = match &target.parsed.revises {
        Some(header) => {
            let mut lines: Vec<&str> = text.split('\n').collect();
            if let Some(line) = lines.get_mut(header.line as usize - 1) {
                *line = &revises_line;
            }
            lines.join("\n")
        }
        None => format!("{revises_line}\n{text}"),
    };
    Ok(Rebase {
        remove: format!("{VERSIONS_DIR}/{}.sql", target.name),
        write: NewFile {
            path: format!("{VERSIONS_DIR}/{new_name}.sql"),
            contents,
        },
    })
}

/// The minute after `id`, rolling over hours, days, months and years.
pub fn next_minute(id: RevisionId) -> RevisionId {
    let (days, minute_of_day) = (id_to_days(id), id.get() % 10_000);
    let (hour, minute) = (minute_of_day / 100, minute_of_day % 100);
    let total = hour * 60 + minute + 1;
    if total < 24 * 60 {
        return RevisionId(id.get() - minute_of_day + (total / 60) * 100 + total % 60);
    }
    from_days_and_minutes(days + 1, 0)
}

/// The revision id of a moment given in seconds since the Unix epoch (UTC).
pub fn id_from_unix_seconds(seconds: u64) -> RevisionId {
    let seconds = seconds as i64;
    from_days_and_minutes(seconds.div_euclid(86_400), seconds.rem_euclid(86_400) / 60)
}

fn from_days_and_minutes(days: i64, minutes: i64) -> RevisionId {
    let (year, month, day) = civil_from_days(days);
    RevisionId(((year * 100 + month) * 100 + day) * 10_000 + (minutes / 60) * 100 + minutes % 60)
}

fn id_to_days(id: RevisionId) -> i64 {
    let date = id.get() / 10_000;
    days_from_civil(date / 10_000, (date / 100) % 100, date % 100)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day counted from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Entry, Sources};

    fn folder(files: &[(&str, &str)]) -> Folder {
        let entries = files
            .iter()
            .map(|(n, t)| Entry::File {
                name: n.to_string(),
                contents: t.as_bytes().to_vec(),
            })
            .collect();
        Folder::parse(&Sources {
            display_root: "m".into(),
            versions: Some(entries),
            ..Sources::default()
        })
    }

    const TEMPLATE: (&str, &str) = (
        "t.sql",
        "-- revises: {{revises}}\n-- message: {{message}}\n\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
    );

    #[test]
    fn minutes_roll_over() {
        assert_eq!(
            next_minute(RevisionId(202511121459)),
            RevisionId(202511121500)
        );
        assert_eq!(
            next_minute(RevisionId(202512312359)),
            RevisionId(202601010000)
        );
        assert_eq!(
            next_minute(RevisionId(202402282359)),
            RevisionId(202402290000)
        );
        assert_eq!(id_from_unix_seconds(0), RevisionId(197001010000));
        assert_eq!(
            id_from_unix_seconds(1_763_000_000),
            RevisionId(202511130213)
        );
    }

    #[test]
    fn new_revisions_revise_the_head_and_take_a_free_minute() {
        let folder = folder(&[("202511121302_baseline.sql", BASELINE_TEXT)]);
        let new = NewRevision {
            slug: "add_flag",
            message: Some("a flag"),
            template: TEMPLATE,
            extension: None,
            now: RevisionId(202511121302),
        };
        let file = new.render(&folder).expect("renders");
        assert_eq!(file.path, "versions/202511121303_add_flag.sql");
        assert!(
            file.contents
                .starts_with("-- revises: 202511121302_baseline\n-- message: a flag\n")
        );

        let without_message = NewRevision {
            message: None,
            now: RevisionId(202601010000),
            ..new.clone()
        };
        let file = without_message.render(&folder).expect("renders");
        assert_eq!(file.path, "versions/202601010000_add_flag.sql");
        assert!(
            file.contents
                .starts_with("-- revises: 202511121302_baseline\n\n-- migrate:up")
        );

        let bad = NewRevision {
            slug: "Add-Flag",
            ..new.clone()
        };
        assert_eq!(
            bad.render(&folder).unwrap_err().to_string(),
            "bad slug `Add-Flag`: the slug has an upper-case letter `A`; slugs are lower case; use lower-case words joined by `_`, e.g. `add_user_flags`"
        );
        let taken = NewRevision {
            slug: "baseline",
            ..new
        };
        assert_eq!(
            taken.render(&folder).unwrap_err().to_string(),
            "slug `baseline` is already used by `202511121302_baseline`: choose another slug"
        );
    }

    #[test]
    fn rebase_moves_the_newer_head_after_the_other() {
        let revision = |parent: &str| {
            format!("-- revises: {parent}\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n")
        };
        let (a, b) = (
            revision("202511121302_baseline"),
            revision("202511121302_baseline"),
        );
        let folder = folder(&[
            ("202511121302_baseline.sql", BASELINE_TEXT),
            ("202511121400_a.sql", &a),
            ("202511121405_b.sql", &b),
        ]);
        let rebase =
            rebase(&folder, "202511121405_b", &b, RevisionId(202511121300)).expect("rebases");
        assert_eq!(rebase.remove, "versions/202511121405_b.sql");
        assert_eq!(rebase.write.path, "versions/202511121401_b.sql");
        assert!(
            rebase
                .write
                .contents
                .starts_with("-- revises: 202511121400_a\n")
        );
    }
}
