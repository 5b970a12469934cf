//! What the linter found: each finding at its file, line and column, with its rule, message and
//! fix, printed in `check`'s form for people and serialised for machines (`--json`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::problem::{LintDiagnostic, ProblemEntry};

/// How a finding counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A rule whose severity is `error`: the run fails.
    Error,
    /// A rule whose severity is `warning`.
    Warning,
    /// A finding in a revision at or below the baseline: known, accepted, shown.
    Note,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        })
    }
}

/// One finding of one rule in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The file as shown to people, e.g. `migrations/versions/202611260208_tenant_slug_citext.sql`.
    pub file: String,
    /// 1-based line and column (in characters) where the statement or clause starts.
    pub line: u32,
    pub column: u32,
    /// The revision's or repeatable's name.
    pub migration: String,
    /// The rule's name, as `lint.toml` and `-- lint: allow` write it.
    pub rule: String,
    pub level: Level,
    /// What the statement does wrong, in squawk's words.
    pub message: String,
    /// The safe way to do it.
    pub help: String,
}

/// The same form as `check`'s problems, with the column and the rule.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}\n  help: {}",
            self.file, self.line, self.column, self.level, self.rule, self.message, self.help
        )
    }
}

/// How many of each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintTotals {
    /// Revisions and repeatables linted.
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Findings a `-- lint: allow` header let through.
    pub allowed: usize,
    pub problems: usize,
}

/// Everything one lint run found, sorted by file, line and column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintReport {
    /// The PostgreSQL major version linted for.
    pub postgres_version: u32,
    pub findings: Vec<Finding>,
    /// Problems with the settings or the opt-outs: each fails the run.
    pub problems: Vec<ProblemEntry>,
    pub totals: LintTotals,
}

impl LintReport {
    /// No error and no problem: warnings and notes do not fail a run.
    pub fn ok(&self) -> bool {
        self.totals.errors == 0 && self.totals.problems == 0
    }

    pub(crate) fn new(
        postgres_version: u32,
        files: usize,
        mut findings: Vec<Finding>,
        problems: &[LintDiagnostic],
        allowed: usize,
    ) -> LintReport {
        findings.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        let count = |level: Level| findings.iter().filter(|f| f.level == level).count();
        let totals = LintTotals {
            files,
            errors: count(Level::Error),
            warnings: count(Level::Warning),
            notes: count(Level::Note),
            allowed,
            problems: problems.len(),
        };
        LintReport {
            postgres_version,
            findings,
            problems: problems.iter().map(ProblemEntry::from).collect(),
            totals,
        }
    }

    /// The closing line: the counts, and whether it passed.
    pub fn summary(&self) -> String {
        let t = &self.totals;
        let mut counts = Vec::new();
        for (count, one, many) in [
            (t.problems, "problem", "problems"),
            (t.errors, "error", "errors"),
            (t.warnings, "warning", "warnings"),
            (t.notes, "note", "notes"),
        ] {
            match count {
                0 => {}
                1 => counts.push(format!("1 {one}")),
                n => counts.push(format!("{n} {many}")),
            }
        }
        let found = match counts.as_slice() {
            [] => "no findings".to_owned(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        };
        let verdict = if self.ok() { "ok" } else { "FAILED" };
        if t.files == 0 && t.problems > 0 {
            return format!("lint {verdict}: {found}; nothing was linted: the settings come first");
        }
        let mut line = format!(
            "lint {verdict}: {found} in {} files, for PostgreSQL {}",
            t.files, self.postgres_version
        );
        if t.allowed > 0 {
            line.push_str(&format!(
                "; {} allowed by `-- lint: allow` headers",
                t.allowed
            ));
        }
        line
    }
}

/// Every problem and finding, then the summary; after an error, how to opt out when it is safe.
impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.problems {
            writeln!(f, "{problem}")?;
        }
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        if self.totals.errors > 0 {
            writeln!(
                f,
                "a finding that is safe where it is (a new or small table, a column no code reads) is allowed with `-- lint: allow <rule> -- <reason>` in the file's header; each rule is explained at https://squawkhq.com/docs/<rule>"
            )?;
        }
        f.write_str(&self.summary())
    }
}
