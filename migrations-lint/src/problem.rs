//! What keeps the linter from trusting its input: a bad `lint.toml`, a `-- lint: allow` naming a
//! rule that does not exist, an opt-out that skips the header. Each is located like `check`'s.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing wrong with the lint settings or an opt-out. The message says what; [`LintProblem::help`]
/// says how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LintProblem {
    #[error("cannot read the lint settings: {error}")]
    Unreadable { error: String },
    #[error("{message}")]
    SettingsSyntax { message: String },
    #[error("no lint rule is named `{rule}`")]
    UnknownRule { rule: String },
    #[error("the baseline `{revision}` is not a revision of this folder")]
    UnknownBaseline { revision: String },
    #[error("PostgreSQL {version} is not a version the linter knows")]
    BadPostgresVersion { version: i64 },
    #[error("`-- squawk-ignore` opts out of a rule without a reason")]
    InlineIgnore,
}

impl LintProblem {
    /// How to fix the problem, in one sentence.
    pub fn help(&self) -> String {
        match self {
            LintProblem::Unreadable { .. } => "check that the file is readable".to_owned(),
            LintProblem::SettingsSyntax { .. } => {
                "the settings are `postgres-version = 15`, `baseline = \"<revision>\"` and a `[rules]` table of `<rule> = \"error\" | \"warning\" | \"off\"` (README.md, \"Lint\")"
                    .to_owned()
            }
            LintProblem::UnknownRule { .. } => {
                "name a rule as squawk does (https://squawkhq.com/docs/rules), e.g. `changing-column-type`; `syntax-error` and `unused-allow` are the linter's own"
                    .to_owned()
            }
            LintProblem::UnknownBaseline { .. } => {
                "name the newest revision whose findings are only notes, by file stem, id or slug".to_owned()
            }
            LintProblem::BadPostgresVersion { .. } => {
                "give the oldest PostgreSQL major version the revisions run on, from 10 up, e.g. `postgres-version = 15`"
                    .to_owned()
            }
            LintProblem::InlineIgnore => {
                "remove the comment and add `-- lint: allow <rule> -- <reason>` to the file's header instead, so that the reason is reviewed"
                    .to_owned()
            }
        }
    }
}

/// A problem located in a file and, where there is one, a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintDiagnostic {
    /// The file as shown to people, e.g. `migrations/lint.toml`.
    pub file: String,
    pub line: Option<u32>,
    pub problem: LintProblem,
}

impl fmt::Display for LintDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ProblemEntry::from(self).fmt(f)
    }
}

/// A settings or opt-out problem, for the JSON report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemEntry {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
    pub help: String,
}

/// The same form as `check`'s problems: `file:line: message`, then the fix.
impl fmt::Display for ProblemEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        write!(f, "\n  help: {}", self.help)
    }
}

impl From<&LintDiagnostic> for ProblemEntry {
    fn from(diagnostic: &LintDiagnostic) -> ProblemEntry {
        ProblemEntry {
            file: diagnostic.file.clone(),
            line: diagnostic.line,
            message: diagnostic.problem.to_string(),
            help: diagnostic.problem.help(),
        }
    }
}
