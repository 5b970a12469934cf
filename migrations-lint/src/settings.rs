//! `lint.toml`, the folder's lint settings: the PostgreSQL version the revisions target, the
//! baseline revision at and below which findings are notes, and each rule's severity.
//!
//! ```toml
//! postgres-version = 15
//! baseline = "202611260209_enable_tenant_row_level_security"
//!
//! [rules]
//! prefer-robust-stmts = "off"
//! changing-column-type = "warning"
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::problem::{LintDiagnostic, LintProblem};
use crate::rules::{RuleName, Severity};

/// The settings file, in the folder next to `versions/`.
pub const SETTINGS_FILE: &str = "lint.toml";

/// The PostgreSQL version linted for without a setting: the oldest the project runs on.
pub const DEFAULT_POSTGRES_VERSION: u32 = 15;

/// The folder's lint settings, defaults where `lint.toml` says nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintSettings {
    /// How messages name `lint.toml`, whether it exists or not.
    pub file: String,
    /// The major version of the oldest PostgreSQL the revisions run on.
    pub postgres_version: u32,
    /// The revision at and below which findings are notes, as written, with its line.
    pub baseline: Option<(String, u32)>,
    overrides: HashMap<RuleName, Severity>,
}

/// The file as written; every key is known, or it is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct SettingsFile {
    postgres_version: Option<Spanned<i64>>,
    baseline: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Severity>,
}

impl LintSettings {
    /// The settings without a file: every rule at its default severity.
    pub fn defaults(display_root: &str) -> LintSettings {
        LintSettings {
            file: format!("{display_root}/{SETTINGS_FILE}"),
            postgres_version: DEFAULT_POSTGRES_VERSION,
            baseline: None,
            overrides: HashMap::new(),
        }
    }

    /// Reads `<dir>/lint.toml`; a missing file gives the defaults. Messages name the file as
    /// `<display_root>/lint.toml`.
    pub fn load(dir: &Path, display_root: &str) -> Result<LintSettings, Vec<LintDiagnostic>> {
        let defaults = LintSettings::defaults(display_root);
        match std::fs::read_to_string(dir.join(SETTINGS_FILE)) {
            Ok(text) => LintSettings::parse(&text, display_root),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(defaults),
            Err(error) => Err(vec![LintDiagnostic {
                file: defaults.file,
                line: None,
                problem: LintProblem::Unreadable {
                    error: error.to_string(),
                },
            }]),
        }
    }

    /// Parses the text of a `lint.toml`; every problem is reported at once.
    pub fn parse(text: &str, display_root: &str) -> Result<LintSettings, Vec<LintDiagnostic>> {
        let mut settings = LintSettings::defaults(display_root);
        let at = |offset: usize| line_of(text, offset);
        let problem = |line: Option<u32>, problem: LintProblem| LintDiagnostic {
            file: settings.file.clone(),
            line,
            problem,
        };
        let parsed: SettingsFile = match toml::from_str(text) {
            Ok(parsed) => parsed,
            Err(error) => {
                let line = error.span().map(|span| at(span.start));
                let message = error.message().trim_end().to_owned();
                return Err(vec![problem(line, LintProblem::SettingsSyntax { message })]);
            }
        };
        let mut problems = Vec::new();
        if let Some(version) = parsed.postgres_version {
            match u32::try_from(*version.get_ref()) {
                Ok(major) if (10..100).contains(&major) => settings.postgres_version = major,
                _ => problems.push(problem(
                    Some(at(version.span().start)),
                    LintProblem::BadPostgresVersion {
                        version: *version.get_ref(),
                    },
                )),
            }
        }
        if let Some(baseline) = parsed.baseline {
            let line = at(baseline.span().start);
            settings.baseline = Some((baseline.into_inner(), line));
        }
        let mut overrides = HashMap::new();
        for (name, severity) in parsed.rules {
            let line = at(name.span().start);
            match RuleName::parse(name.get_ref()) {
                Some(rule) => {
                    overrides.insert(rule, severity);
                }
                None => problems.push(problem(
                    Some(line),
                    LintProblem::UnknownRule {
                        rule: name.into_inner(),
                    },
                )),
            }
        }
        // An alias's members take its severity, unless they are named themselves.
        for (rule, severity) in overrides.clone() {
            for member in rule.squawk_rules() {
                overrides
                    .entry(RuleName::Squawk(member))
                    .or_insert(severity);
            }
        }
        settings.overrides = overrides;
        problems.sort_by_key(|problem| problem.line);
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(problems)
        }
    }

    /// The severity of a rule under these settings.
    pub fn severity(&self, rule: RuleName) -> Severity {
        self.overrides
            .get(&rule)
            .copied()
            .unwrap_or_else(|| rule.default_severity())
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> u32 {
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|&&byte| byte == b'\n').count() as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn check(text: &str, expect: Expect) {
        let actual = match LintSettings::parse(text, "migrations") {
            Ok(settings) => format!(
                "postgres {}, baseline {:?}, changing-column-type {}, require-lock-timeout {}, require-statement-timeout {}\n",
                settings.postgres_version,
                settings.baseline,
                settings.severity(RuleName::Squawk(squawk_linter::Rule::ChangingColumnType)),
                settings.severity(RuleName::Squawk(squawk_linter::Rule::RequireLockTimeout)),
                settings.severity(RuleName::Squawk(
                    squawk_linter::Rule::RequireStatementTimeout
                )),
            ),
            Err(problems) => problems.iter().map(|p| format!("{p}\n")).collect(),
        };
        expect.assert_eq(&actual);
    }

    #[test]
    fn settings_and_defaults() {
        check(
            "",
            expect![[r#"
                postgres 15, baseline None, changing-column-type error, require-lock-timeout off, require-statement-timeout off
            "#]],
        );
        check(
            "postgres-version = 11\nbaseline = \"202611260209\"\n\n[rules]\nchanging-column-type = \"warning\"\nrequire-timeout-settings = \"error\"\nrequire-statement-timeout = \"off\"\n",
            expect![[r#"
                postgres 11, baseline Some(("202611260209", 2)), changing-column-type warning, require-lock-timeout error, require-statement-timeout off
            "#]],
        );
    }

    #[test]
    fn bad_settings_name_the_file_and_line() {
        check(
            "postgres-version = 15\nbaseline_revision = \"x\"\n",
            expect![[r#"
                migrations/lint.toml:2: unknown field `baseline_revision`, expected one of `postgres-version`, `baseline`, `rules`
                  help: the settings are `postgres-version = 15`, `baseline = "<revision>"` and a `[rules]` table of `<rule> = "error" | "warning" | "off"` (README.md, "Lint")
            "#]],
        );
        check(
            "[rules]\nchanging-column-type = \"fatal\"\n",
            expect![[r#"
                migrations/lint.toml:2: unknown variant `fatal`, expected one of `error`, `warning`, `off`
                  help: the settings are `postgres-version = 15`, `baseline = "<revision>"` and a `[rules]` table of `<rule> = "error" | "warning" | "off"` (README.md, "Lint")
            "#]],
        );
        check(
            "postgres-version = 9\n[rules]\nno-such-rule = \"off\"\nban-drop-colum = \"warning\"\n",
            expect![[r#"
                migrations/lint.toml:1: PostgreSQL 9 is not a version the linter knows
                  help: give the oldest PostgreSQL major version the revisions run on, from 10 up, e.g. `postgres-version = 15`
                migrations/lint.toml:3: no lint rule is named `no-such-rule`
                  help: name a rule as squawk does (https://squawkhq.com/docs/rules), e.g. `changing-column-type`; `syntax-error` and `unused-allow` are the linter's own
                migrations/lint.toml:4: no lint rule is named `ban-drop-colum`
                  help: name a rule as squawk does (https://squawkhq.com/docs/rules), e.g. `changing-column-type`; `syntax-error` and `unused-allow` are the linter's own
            "#]],
        );
        check(
            "postgres-version = \"15\"\n",
            expect![[r#"
                migrations/lint.toml:1: invalid type: string "15", expected i64
                  help: the settings are `postgres-version = 15`, `baseline = "<revision>"` and a `[rules]` table of `<rule> = "error" | "warning" | "off"` (README.md, "Lint")
            "#]],
        );
        check(
            "baseline = \n",
            expect![[r#"
                migrations/lint.toml:1: string values must be quoted, expected literal string
                  help: the settings are `postgres-version = 15`, `baseline = "<revision>"` and a `[rules]` table of `<rule> = "error" | "warning" | "off"` (README.md, "Lint")
            "#]],
        );
    }
}
