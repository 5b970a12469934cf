//! Lints a set of revisions as the runner runs it: each up section and each repeatable through
//! squawk, inside a transaction unless the revision is `transaction:false`, for the PostgreSQL
//! version of the settings; then the file's `-- lint: allow` headers, the severities and the
//! baseline decide what each finding counts for.
//!
//! Down sections are not linted: they undo the up section, so they drop what it made, and
//! `verify` proves them.

use std::collections::HashSet;
use std::path::Path;

use migrations_core::script::RESET_SESSION;
use migrations_core::{LintAllow, RevisionSet, Section};
use squawk_linter::ignore::ignore_rule_info;
use squawk_linter::{Linter, LinterSettings, Rule, Version, Violation};
use squawk_syntax::{SourceFile, SyntaxKind};

use crate::problem::{LintDiagnostic, LintProblem};
use crate::report::{Finding, Level, LintReport};
use crate::rules::{OBSERVED_RULES, RuleName, Severity};
use crate::settings::{DEFAULT_POSTGRES_VERSION, LintSettings};

/// One file to lint: a revision's up section or a repeatable's body, with how it runs.
struct Unit<'a> {
    migration: &'a str,
    file: &'a str,
    section: &'a Section,
    in_transaction: bool,
    allows: &'a [LintAllow],
    /// At or below the baseline: findings are notes.
    accepted: bool,
}

/// Reads `<dir>/lint.toml` and lints the set with it; a bad settings file is the report's only
/// content, since the severities it meant to set are unknown.
pub fn lint_folder(dir: &Path, display_root: &str, set: &RevisionSet) -> LintReport {
    match LintSettings::load(dir, display_root) {
        Ok(settings) => lint(set, &settings),
        Err(problems) => LintReport::new(DEFAULT_POSTGRES_VERSION, 0, Vec::new(), &problems, 0),
    }
}

/// Lints every revision's up section and every repeatable of the set.
pub fn lint(set: &RevisionSet, settings: &LintSettings) -> LintReport {
    let mut problems = Vec::new();
    let baseline = match &settings.baseline {
        None => None,
        Some((name, line)) => match set.find(name) {
            Some(revision) => Some(revision.id()),
            None => {
                problems.push(LintDiagnostic {
                    file: settings.file.clone(),
                    line: Some(*line),
                    problem: LintProblem::UnknownBaseline {
                        revision: name.clone(),
                    },
                });
                None
            }
        },
    };
    let units = set
        .revisions()
        .iter()
        .map(|revision| Unit {
            migration: revision.name(),
            file: revision.file(),
            section: revision.up(),
            in_transaction: revision.is_transactional(),
            allows: revision.lint_allows(),
            accepted: baseline.is_some_and(|baseline| revision.id() <= baseline),
        })
        .chain(set.repeatables().iter().map(|repeatable| Unit {
            // The runner runs each repeatable in a transaction of its own.
            migration: repeatable.name(),
            file: repeatable.file(),
            section: repeatable.body(),
            in_transaction: true,
            allows: repeatable.lint_allows(),
            accepted: false,
        }))
        .collect::<Vec<_>>();

    let enabled: Vec<Rule> = RuleName::all()
        .filter(|rule| settings.severity(*rule) != Severity::Off)
        .flat_map(RuleName::squawk_rules)
        .filter(|rule| rule.expands_to().is_empty())
        .collect();
    let mut findings = Vec::new();
    let mut allowed = 0;
    for unit in &units {
        let mut linter = UnitLinter {
            unit,
            settings,
            findings: &mut findings,
            problems: &mut problems,
            allowed: &mut allowed,
        };
        linter.lint(&enabled);
    }
    LintReport::new(
        settings.postgres_version,
        units.len(),
        findings,
        &problems,
        allowed,
    )
}

/// A finding before the settings decide what it counts for: where in the section it is, by byte.
struct RawFinding {
    rule: RuleName,
    offset: usize,
    message: String,
    help: String,
}

/// The lint of one unit, writing into the run's lists.
struct UnitLinter<'a, 'u> {
    unit: &'a Unit<'u>,
    settings: &'a LintSettings,
    findings: &'a mut Vec<Finding>,
    problems: &'a mut Vec<LintDiagnostic>,
    allowed: &'a mut usize,
}

impl UnitLinter<'_, '_> {
    fn lint(&mut self, enabled: &[Rule]) {
        let unit = self.unit;
        let allows = self.allowed_rules();
        let mut used = HashSet::new();
        if unit.section.is_empty() {
            self.report_unused(&allows, &used);
            return;
        }
        let text = unit.section.sql();
        // What the runner sends after the revision's statements, in the same transaction. squawk
        // flags CONCURRENTLY in a transaction only when the transaction has more than one
        // statement; with the runner's own it always has. Appended, it moves no offset.
        let sent = format!("{text}\n;{};\n", RESET_SESSION.join(";\n"));
        let parse = SourceFile::parse(&sent);
        for error in parse.errors() {
            let finding = RawFinding {
                rule: RuleName::SyntaxError,
                offset: u32::from(error.range().start()) as usize,
                message: format!(
                    "the linter cannot parse this ({}), so it is not linted",
                    error.message()
                ),
                help: "check that the statement is PostgreSQL; `verify` runs it on a real server"
                    .to_owned(),
            };
            self.report(finding, &allows, &mut used);
        }
        for token in parse
            .syntax_node()
            .descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token| token.kind() == SyntaxKind::COMMENT)
        {
            if ignore_rule_info(&token).is_some() {
                let (line, _) = position(text, u32::from(token.text_range().start()) as usize);
                self.problems.push(LintDiagnostic {
                    file: unit.file.to_owned(),
                    line: Some(unit.section.first_line() + line - 1),
                    problem: LintProblem::InlineIgnore,
                });
            }
        }
        let mut linter = Linter::from(enabled.iter().copied());
        linter.settings = LinterSettings {
            pg_version: postgres_version(self.settings.postgres_version),
            assume_in_transaction: unit.in_transaction,
        };
        for violation in linter.lint(&parse, &sent) {
            let finding = finding_of(&violation);
            self.report(finding, &allows, &mut used);
        }
        self.report_unused(&allows, &used);
    }

    /// The unit's allowed rules with the header line of each; unknown names are problems.
    fn allowed_rules(&mut self) -> Vec<(RuleName, String, u32)> {
        let mut allowed = Vec::new();
        for allow in self.unit.allows {
            for name in allow.rules() {
                if OBSERVED_RULES.contains(&name) {
                    continue;
                }
                match RuleName::parse(name) {
                    Some(rule) => allowed.push((rule, name.to_owned(), allow.line())),
                    None => self.problems.push(LintDiagnostic {
                        file: self.unit.file.to_owned(),
                        line: Some(allow.line()),
                        problem: LintProblem::UnknownRule {
                            rule: name.to_owned(),
                        },
                    }),
                }
            }
        }
        allowed
    }

    /// Records a finding, unless a header allows its rule.
    fn report(
        &mut self,
        finding: RawFinding,
        allows: &[(RuleName, String, u32)],
        used: &mut HashSet<usize>,
    ) {
        let RawFinding {
            rule,
            offset,
            message,
            help,
        } = finding;
        let allowed_by = allows.iter().position(|(allowed, _, _)| {
            *allowed == rule
                || matches!(rule, RuleName::Squawk(member) if allowed.squawk_rules().contains(&member))
        });
        if let Some(index) = allowed_by {
            used.insert(index);
            *self.allowed += 1;
            return;
        }
        let level = match self.settings.severity(rule) {
            Severity::Off => return,
            _ if self.unit.accepted => Level::Note,
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        let (line, column) = position(self.unit.section.sql(), offset);
        self.findings.push(Finding {
            file: self.unit.file.to_owned(),
            line: self.unit.section.first_line() + line - 1,
            column,
            migration: self.unit.migration.to_owned(),
            rule: rule.to_string(),
            level,
            message,
            help,
        });
    }

    /// A header that allows a rule with no finding in its file is stale: it would hide the next one.
    fn report_unused(&mut self, allows: &[(RuleName, String, u32)], used: &HashSet<usize>) {
        for (index, (_, name, line)) in allows.iter().enumerate() {
            if used.contains(&index) {
                continue;
            }
            let level = match self.settings.severity(RuleName::UnusedAllow) {
                Severity::Off => continue,
                _ if self.unit.accepted => Level::Note,
                Severity::Error => Level::Error,
                Severity::Warning => Level::Warning,
            };
            self.findings.push(Finding {
                file: self.unit.file.to_owned(),
                line: *line,
                column: 1,
                migration: self.unit.migration.to_owned(),
                rule: RuleName::UnusedAllow.to_string(),
                level,
                message: format!("`{name}` is allowed, but nothing in the file breaks it"),
                help: format!("remove `{name}` from the `-- lint: allow` header"),
            });
        }
    }
}

/// A violation as a finding; the help is squawk's, else its fix's title, else where the rule is
/// explained.
fn finding_of(violation: &Violation) -> RawFinding {
    let rule = RuleName::Squawk(violation.code);
    let help = violation
        .help
        .clone()
        .or_else(|| violation.fix.as_ref().map(|fix| fix.title.clone()))
        .unwrap_or_else(|| {
            format!(
                "see {} for the safe way, or allow it in the header when it is safe here",
                rule.documentation()
            )
        });
    RawFinding {
        rule,
        offset: u32::from(violation.text_range.start()) as usize,
        message: violation.message.clone(),
        help,
    }
}

fn postgres_version(major: u32) -> Version {
    // A major version of digits always parses.
    // `15.0`, not `15`: squawk compares versions with `>`, and 11 without a minor is not above 11.
    format!("{major}.0").parse().unwrap_or_default()
}

/// The 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() as u32 + 1;
    (line, column)
}
