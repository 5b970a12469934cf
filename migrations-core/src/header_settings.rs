//! The settings a file's header gives beyond its place in the graph: a revision's lock and
//! statement timeouts (`-- lock-timeout: 30s`) and the lint rules a file allows
//! (`-- lint: allow <rule>[, <rule>] -- <reason>`).
//!
//! Only the form is checked here; whether a rule name exists is for the linter, which knows them.

use std::borrow::Cow;
use std::time::Duration;

use crate::diagnostic::Problem;

/// The largest timeout PostgreSQL accepts: its time settings are whole milliseconds in an `int`.
const MAX_TIMEOUT_MS: u64 = i32::MAX as u64;

/// Parses a timeout as the header writes it: a whole number and one of PostgreSQL's units (`500ms`,
/// `30s`, `2min`, `1h`), or `0` for no timeout.
///
/// Written here rather than with a duration crate: the header takes exactly the units
/// PostgreSQL's `SET lock_timeout` takes, and no others.
pub(crate) fn parse_timeout(key: &str, value: &str) -> Result<Duration, Problem> {
    let bad = || Problem::BadTimeout {
        key: key.to_owned(),
        value: value.to_owned(),
    };
    let digits = value.len() - value.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = value.split_at(digits);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let millis_per_unit = match unit.trim_start() {
        "" if number == 0 => 1,
        "ms" => 1,
        "s" => 1_000,
        "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad()),
    };
    match number.checked_mul(millis_per_unit) {
        Some(millis) if millis <= MAX_TIMEOUT_MS => Ok(Duration::from_millis(millis)),
        _ => Err(bad()),
    }
}

/// One `-- lint: allow` header: the rules it lets through in its file, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintAllow {
    rules: Cow<'static, [Cow<'static, str>]>,
    reason: Cow<'static, str>,
    line: u32,
}

impl LintAllow {
    #[doc(hidden)]
    pub const fn from_parts(
        rules: Cow<'static, [Cow<'static, str>]>,
        reason: Cow<'static, str>,
        line: u32,
    ) -> LintAllow {
        LintAllow {
            rules,
            reason,
            line,
        }
    }

    /// The rule names as written, e.g. `changing-column-type`.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.rules.iter().map(|rule| rule.as_ref())
    }

    /// Why the rules do not apply here, as the header gives it.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The line of the header in its file.
    pub fn line(&self) -> u32 {
        self.line
    }
}

/// Parses the value of a `-- lint:` header: `allow <rule>[, <rule>] -- <reason>`.
pub(crate) fn parse_lint_allow(value: &str, line: u32) -> Result<LintAllow, Problem> {
    let malformed = || Problem::LintHeaderSyntax {
        value: value.to_owned(),
    };
    let rest = value
        .strip_prefix("allow")
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .ok_or_else(malformed)?;
    let (rules, reason) = match rest.split_once("--") {
        Some((rules, reason)) => (rules, reason.trim()),
        None => (rest, ""),
    };
    let rules: Vec<Cow<'static, str>> = rules
        .split(',')
        .map(|rule| Cow::Owned(rule.trim().to_owned()))
        .collect();
    if rules.iter().any(|rule| rule.is_empty()) {
        return Err(malformed());
    }
    if reason.is_empty() {
        return Err(Problem::LintAllowWithoutReason {
            rules: rules.join(", "),
        });
    }
    Ok(LintAllow {
        rules: Cow::Owned(rules),
        reason: Cow::Owned(reason.to_owned()),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn check_timeouts(values: &[&str], expect: Expect) {
        let actual: String = values
            .iter()
            .map(|value| match parse_timeout("lock-timeout", value) {
                Ok(duration) => format!("{value:?}: {duration:?}\n"),
                Err(problem) => format!("{value:?}: {problem}\n"),
            })
            .collect();
        expect.assert_eq(&actual);
    }

    #[test]
    fn timeouts_take_postgresql_units() {
        check_timeouts(
            &[
                "500ms",
                "30s",
                "30 s",
                "2min",
                "1h",
                "0",
                "0s",
                "2147483647ms",
            ],
            expect![[r#"
                "500ms": 500ms
                "30s": 30s
                "30 s": 30s
                "2min": 120s
                "1h": 3600s
                "0": 0ns
                "0s": 0ns
                "2147483647ms": 2147483.647s
            "#]],
        );
    }

    #[test]
    fn timeouts_without_a_known_unit_are_refused() {
        check_timeouts(
            &[
                "30",
                "1.5s",
                "-1s",
                "30sec",
                "2m",
                "1d",
                "s",
                "",
                "2147483648ms",
                "99999999999h",
            ],
            expect![[r#"
                "30": `-- lock-timeout: 30` is not a timeout
                "1.5s": `-- lock-timeout: 1.5s` is not a timeout
                "-1s": `-- lock-timeout: -1s` is not a timeout
                "30sec": `-- lock-timeout: 30sec` is not a timeout
                "2m": `-- lock-timeout: 2m` is not a timeout
                "1d": `-- lock-timeout: 1d` is not a timeout
                "s": `-- lock-timeout: s` is not a timeout
                "": `-- lock-timeout: ` is not a timeout
                "2147483648ms": `-- lock-timeout: 2147483648ms` is not a timeout
                "99999999999h": `-- lock-timeout: 99999999999h` is not a timeout
            "#]],
        );
    }

    fn check_allows(values: &[&str], expect: Expect) {
        let actual: String = values
            .iter()
            .map(|value| match parse_lint_allow(value, 3) {
                Ok(allow) => format!(
                    "{value:?}: {:?} because {:?} (line {})\n",
                    allow.rules().collect::<Vec<_>>(),
                    allow.reason(),
                    allow.line()
                ),
                Err(problem) => format!("{value:?}: {problem}\n"),
            })
            .collect();
        expect.assert_eq(&actual);
    }

    #[test]
    fn lint_allows_name_rules_and_a_reason() {
        check_allows(
            &[
                "allow changing-column-type -- tenants has one row per customer",
                "allow changing-column-type, constraint-missing-not-valid -- small table -- really",
                "allow  a ,b--why",
            ],
            expect![[r#"
                "allow changing-column-type -- tenants has one row per customer": ["changing-column-type"] because "tenants has one row per customer" (line 3)
                "allow changing-column-type, constraint-missing-not-valid -- small table -- really": ["changing-column-type", "constraint-missing-not-valid"] because "small table -- really" (line 3)
                "allow  a ,b--why": ["a", "b"] because "why" (line 3)
            "#]],
        );
    }

    #[test]
    fn lint_allows_without_rules_or_reason_are_refused() {
        check_allows(
            &[
                "allow changing-column-type",
                "allow changing-column-type --",
                "allow -- why",
                "allow a,, b -- why",
                "ignore a -- why",
                "allowed a -- why",
                "allow",
            ],
            expect![[r#"
                "allow changing-column-type": `-- lint: allow changing-column-type` gives no reason
                "allow changing-column-type --": `-- lint: allow changing-column-type` gives no reason
                "allow -- why": `-- lint: allow -- why` is not `allow <rule>[, <rule>] -- <reason>`
                "allow a,, b -- why": `-- lint: allow a,, b -- why` is not `allow <rule>[, <rule>] -- <reason>`
                "ignore a -- why": `-- lint: ignore a -- why` is not `allow <rule>[, <rule>] -- <reason>`
                "allowed a -- why": `-- lint: allowed a -- why` is not `allow <rule>[, <rule>] -- <reason>`
                "allow": `-- lint: allow` is not `allow <rule>[, <rule>] -- <reason>`
            "#]],
        );
    }
}
