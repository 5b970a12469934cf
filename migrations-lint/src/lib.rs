//! Lints revisions with squawk, the PostgreSQL migration linter, as the runner will run them.
//!
//! [`lint`] runs squawk's rules on each revision's up section and each repeatable, inside a
//! transaction unless the revision is `transaction:false`, for the PostgreSQL version of the
//! folder's `lint.toml` ([`LintSettings`]); each file's `-- lint: allow` headers, the rules'
//! severities ([`rules`]) and the baseline decide what each finding counts for. Pure: no database.

mod engine;
mod problem;
mod report;
pub mod rules;
mod settings;

pub use engine::{lint, lint_folder};
pub use problem::{LintDiagnostic, LintProblem, ProblemEntry};
pub use report::{Finding, Level, LintReport, LintTotals};
pub use rules::{OBSERVED_RULES, RuleName, Severity};
pub use settings::{DEFAULT_POSTGRES_VERSION, LintSettings, SETTINGS_FILE};
