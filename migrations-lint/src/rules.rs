//! The rules: squawk's, by the names squawk gives them, and how severe each one is by default.
//!
//! The default set follows one line: what takes a production database down (a rewrite or a
//! full scan under a strong lock, writes blocked while an index builds, a rename or a drop that
//! breaks the code still running, a statement that fails inside the runner's transaction) is an
//! error; advice about types and style is a warning; squawk's opt-in rules, and the timeout rules
//! the runner's own `lock_timeout` makes moot, are off. `lint.toml` changes any of it.

use std::fmt;

use serde::Deserialize;
use squawk_linter::Rule;

/// How a finding of a rule counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Fails `lint`, `check` and `verify`.
    Error,
    /// Printed; fails nothing.
    Warning,
    /// Not run.
    Off,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Off => "off",
        })
    }
}

/// The rules that are errors unless `lint.toml` says otherwise.
const ERRORS: &[Rule] = &[
    // A rewrite or a full scan under ACCESS EXCLUSIVE, or an insert that fails on existing rows.
    Rule::AddingFieldWithDefault,
    Rule::AddingNotNullableField,
    Rule::AddingRequiredField,
    Rule::ChangingColumnType,
    // A scan that validates every row while writes wait.
    Rule::ConstraintMissingNotValid,
    Rule::AddingForeignKeyConstraint,
    // An index built, or dropped, while writes (or all queries) wait.
    Rule::AddingSerialPrimaryKeyField,
    Rule::DisallowedUniqueConstraint,
    Rule::RequireConcurrentIndexCreation,
    Rule::RequireConcurrentIndexDeletion,
    Rule::RequireConcurrentPartitionDetach,
    Rule::RequireConcurrentReindex,
    // The code that is still running breaks.
    Rule::RenamingColumn,
    Rule::RenamingTable,
    Rule::RenamingObject,
    Rule::BanSetSchema,
    Rule::BanDropColumn,
    Rule::BanDropTable,
    Rule::BanDropDatabase,
    Rule::BanDropNotNull,
    Rule::BanDropView,
    Rule::BanDropFunction,
    Rule::BanDropType,
    Rule::BanDropDefault,
    Rule::BanDropSchema,
    Rule::BanDropSequence,
    Rule::BanDropDomain,
    Rule::BanDropConstraint,
    Rule::BanDropGeneratedExpression,
    Rule::BanDropExtension,
    Rule::BanTruncateCascade,
    // The runner's transaction: these fail in it, or end it early.
    Rule::BanConcurrentIndexCreationInTransaction,
    Rule::TransactionNesting,
    Rule::BanUncommittedTransaction,
];

/// Rules the plan makes moot: the runner sets `lock_timeout` for every revision (`-- lock-timeout:`
/// changes it), and a statement timeout is a per-revision choice (`-- statement-timeout:`).
const OFF_BY_PLAN: &[Rule] = &[
    Rule::RequireLockTimeout,
    Rule::RequireStatementTimeout,
    Rule::RequireTimeoutSettings,
];

/// The rules verify checks on the server rather than the linter in the text (`--fail-on-locks`):
/// a `-- lint: allow` may name them, and the linter leaves them to verify.
pub const OBSERVED_RULES: [&str; 2] = ["access-exclusive-lock", "table-rewrite"];

/// A rule as `lint.toml` and `-- lint: allow` name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleName {
    Squawk(Rule),
    /// A statement the linter cannot parse, and so does not lint.
    SyntaxError,
    /// A `-- lint: allow` whose rule has no finding in its file.
    UnusedAllow,
}

impl RuleName {
    pub const SYNTAX_ERROR: &'static str = "syntax-error";
    pub const UNUSED_ALLOW: &'static str = "unused-allow";

    /// The rule a name stands for; `None` for a name no rule has.
    pub fn parse(name: &str) -> Option<RuleName> {
        match name {
            RuleName::SYNTAX_ERROR => Some(RuleName::SyntaxError),
            RuleName::UNUSED_ALLOW => Some(RuleName::UnusedAllow),
            _ => Rule::try_from(name).ok().map(RuleName::Squawk),
        }
    }

    /// Every rule, squawk's first, in squawk's order. squawk's `unused-ignore` is left out: it
    /// reports on `-- squawk-ignore` comments, which are refused here anyway, and has no name
    /// squawk would parse.
    pub fn all() -> impl Iterator<Item = RuleName> {
        enum_iterator::all::<Rule>()
            .filter(|rule| *rule != Rule::UnusedIgnore)
            .map(RuleName::Squawk)
            .chain([RuleName::SyntaxError, RuleName::UnusedAllow])
    }

    /// The severity a rule has without `lint.toml`.
    pub fn default_severity(self) -> Severity {
        match self {
            RuleName::SyntaxError | RuleName::UnusedAllow => Severity::Warning,
            RuleName::Squawk(rule) if ERRORS.contains(&rule) => Severity::Error,
            RuleName::Squawk(rule) if OFF_BY_PLAN.contains(&rule) || rule.is_opt_in() => {
                Severity::Off
            }
            RuleName::Squawk(_) => Severity::Warning,
        }
    }

    /// The squawk rules a name stands for: an alias stands for several.
    pub fn squawk_rules(self) -> Vec<Rule> {
        match self {
            RuleName::Squawk(rule) if !rule.expands_to().is_empty() => rule.expands_to().to_vec(),
            RuleName::Squawk(rule) => vec![rule],
            RuleName::SyntaxError | RuleName::UnusedAllow => Vec::new(),
        }
    }

    /// Where the rule is explained, with the safe way to do what it flags.
    pub fn documentation(self) -> String {
        match self {
            RuleName::Squawk(rule) => format!("https://squawkhq.com/docs/{rule}"),
            RuleName::SyntaxError | RuleName::UnusedAllow => "README.md, \"Lint\"".to_owned(),
        }
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleName::Squawk(rule) => write!(f, "{rule}"),
            RuleName::SyntaxError => f.write_str(RuleName::SYNTAX_ERROR),
            RuleName::UnusedAllow => f.write_str(RuleName::UNUSED_ALLOW),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::expect;

    /// The default set as the README documents it: one line per severity.
    #[test]
    fn the_default_set() {
        let mut lines = String::new();
        for severity in [Severity::Error, Severity::Warning, Severity::Off] {
            let names: Vec<String> = RuleName::all()
                .filter(|rule| rule.default_severity() == severity)
                .map(|rule| rule.to_string())
                .collect();
            lines.push_str(&format!("{severity}: {}\n", names.join(", ")));
        }
        expect![[r#"
            error: require-concurrent-index-creation, require-concurrent-index-deletion, constraint-missing-not-valid, adding-field-with-default, adding-foreign-key-constraint, changing-column-type, adding-not-nullable-field, adding-serial-primary-key-field, renaming-column, renaming-table, disallowed-unique-constraint, ban-drop-database, ban-drop-column, ban-drop-table, ban-drop-not-null, transaction-nesting, adding-required-field, ban-concurrent-index-creation-in-transaction, ban-truncate-cascade, ban-uncommitted-transaction, require-concurrent-partition-detach, require-concurrent-reindex, ban-drop-view, ban-drop-function, ban-drop-type, ban-drop-default, ban-drop-schema, ban-drop-sequence, ban-drop-domain, ban-drop-constraint, ban-drop-generated-expression, renaming-object, ban-set-schema, ban-drop-extension
            warning: prefer-bigint-over-int, prefer-bigint-over-smallint, prefer-identity, prefer-repack, prefer-robust-stmts, prefer-text-field, prefer-timestamp-tz, ban-char-field, ban-create-domain-with-constraint, ban-alter-domain-with-add-constraint, require-enum-value-ordering, identifier-too-long, ban-duplicate-column-assignments, ban-alter-identity, syntax-error, unused-allow
            off: require-timeout-settings, require-table-schema, require-lock-timeout, require-statement-timeout, ban-drop-trigger, ban-alter-generated-expression, ban-drop-index, ban-set-default, ban-disable-trigger, ban-replica-identity, ban-drop-policy, ban-revoke, ban-replace-view-function, ban-alter-policy-condition, ban-alter-policy-roles, ban-create-policy, ban-alter-function-options, ban-alter-view-options, ban-alter-role-options, ban-alter-database-options, ban-alter-row-level-security, ban-new-write-restriction, ban-add-enum-value, ban-add-composite-attribute, ban-add-column, ban-detach-inheritance, ban-alter-sequence-values, ban-alter-system-options, ban-alter-extension
        "#]]
        .assert_eq(&lines);
    }

    #[test]
    fn names_round_trip_and_aliases_expand() {
        for rule in RuleName::all() {
            assert_eq!(RuleName::parse(&rule.to_string()), Some(rule), "{rule}");
        }
        assert_eq!(RuleName::parse("no-such-rule"), None);
        let timeouts = RuleName::parse("require-timeout-settings").expect("an alias");
        assert_eq!(
            timeouts.squawk_rules(),
            [Rule::RequireLockTimeout, Rule::RequireStatementTimeout]
        );
    }
}
