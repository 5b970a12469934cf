//! Revision and repeatable file names: `YYYYMMDDHHMM_slug.sql` and `<name>.sql`.

use crate::diagnostic::Problem;
pub use crate::id::parse_id;
use crate::id::{RevisionId, check_timestamp, parse_digits};

/// The longest slug: PostgreSQL's identifier limit, so a slug can name an object in the database.
pub const MAX_SLUG_LEN: usize = 63;

/// A valid revision file name, split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionFileName<'a> {
    pub id: RevisionId,
    pub slug: &'a str,
}

impl<'a> RevisionFileName<'a> {
    /// Parses a file name such as `202511121400_add_tenants_table.sql`.
    pub fn parse(file_name: &'a str) -> Result<RevisionFileName<'a>, Problem> {
        let digits = file_name.bytes().take_while(u8::is_ascii_digit).count();
        let Some(stem) = file_name.strip_suffix(".sql") else {
            if digits >= 8 && !file_name.contains('.') {
                return Err(Problem::MissingSqlExtension {
                    name: file_name.to_owned(),
                    suggestion: format!("{file_name}.sql"),
                });
            }
            return Err(Problem::StrayFile {
                name: file_name.to_owned(),
            });
        };
        if digits == 0 {
            return Err(Problem::BadTimestamp {
                name: file_name.to_owned(),
                reason: "it does not start with a 12-digit UTC timestamp".to_owned(),
                suggestion: None,
            });
        }
        if digits != 12 {
            let suggestion = (digits > 12 && stem.as_bytes().get(digits) == Some(&b'_'))
                .then(|| format!("{}{}.sql", &stem[..12], &stem[digits..]));
            return Err(Problem::BadTimestamp {
                name: file_name.to_owned(),
                reason: format!("its timestamp has {digits} digits, not 12 (YYYYMMDDHHMM)"),
                suggestion,
            });
        }
        if let Err(reason) = check_timestamp(&stem[..12]) {
            return Err(Problem::BadTimestamp {
                name: file_name.to_owned(),
                reason,
                suggestion: None,
            });
        }
        let Some(slug) = stem[12..].strip_prefix('_') else {
            return Err(Problem::BadSlug {
                name: file_name.to_owned(),
                reason: "the timestamp must be followed by `_` and a slug".to_owned(),
                suggestion: None,
            });
        };
        if let Err(reason) = check_slug(slug) {
            let suggestion = suggest_slug(slug).map(|s| format!("{}_{s}.sql", &stem[..12]));
            return Err(Problem::BadSlug {
                name: file_name.to_owned(),
                reason,
                suggestion,
            });
        }
        let id = parse_digits(&stem[..12]);
        Ok(RevisionFileName { id, slug })
    }
}

/// Parses a repeatable's file name such as `rls_policies.sql` into its name.
pub fn parse_repeatable_file_name(file_name: &str) -> Result<&str, Problem> {
    let Some(stem) = file_name.strip_suffix(".sql") else {
        return Err(Problem::StrayFile {
            name: file_name.to_owned(),
        });
    };
    if let Err(reason) = check_slug(stem) {
        let suggestion = suggest_slug(stem).map(|s| format!("{s}.sql"));
        return Err(Problem::BadSlug {
            name: file_name.to_owned(),
            reason,
            suggestion,
        });
    }
    Ok(stem)
}

/// Checks a slug against `[a-z0-9]+(_[a-z0-9]+)*`, at most [`MAX_SLUG_LEN`] characters.
pub fn check_slug(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("the slug is empty".to_owned());
    }
    if slug.len() > MAX_SLUG_LEN {
        return Err(format!(
            "the slug has {} characters, more than {MAX_SLUG_LEN}",
            slug.len()
        ));
    }
    if let Some(c) = slug.chars().find(|c| c.is_uppercase()) {
        return Err(format!(
            "the slug has an upper-case letter `{c}`; slugs are lower case"
        ));
    }
    if slug.contains(char::is_whitespace) {
        return Err("the slug has a space; separate words with `_`".to_owned());
    }
    if let Some(c) = slug
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(format!(
            "the slug has `{c}`; only a-z, 0-9 and `_` are allowed"
        ));
    }
    if slug.starts_with('_') || slug.ends_with('_') || slug.contains("__") {
        return Err("`_` only separates words: not first, not last, never doubled".to_owned());
    }
    Ok(())
}

/// The nearest valid slug, if any: lower case, every run of other characters turned into one `_`.
pub fn suggest_slug(text: &str) -> Option<String> {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    while slug.ends_with('_') {
        slug.pop();
    }
    slug.truncate(MAX_SLUG_LEN);
    while slug.ends_with('_') {
        slug.pop();
    }
    (!slug.is_empty()).then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn check(name: &str, expect: Expect) {
        let actual = match RevisionFileName::parse(name) {
            Ok(parsed) => format!("ok {} {}", parsed.id, parsed.slug),
            Err(problem) => format!("{problem}\nhelp: {}", problem.help()),
        };
        expect.assert_eq(&actual);
    }

    #[test]
    fn valid_names() {
        check(
            "202511121302_baseline.sql",
            expect!["ok 202511121302 baseline"],
        );
        check(
            "202402291200_leap_day_2024.sql",
            expect!["ok 202402291200 leap_day_2024"],
        );
    }

    #[test]
    fn bad_names() {
        check(
            "202511121400_add_x",
            expect![[r#"
                file name `202511121400_add_x` has no `.sql` extension
                help: rename it to `202511121400_add_x.sql`"#]],
        );
        check(
            "notes.txt",
            expect![[r#"
                `notes.txt` is not a revision file (YYYYMMDDHHMM_slug.sql)
                help: move it out of this folder; only revision files and README.md belong here"#]],
        );
        check(
            "2025111214000_add_x.sql",
            expect![[r#"
                file name `2025111214000_add_x.sql` has a bad timestamp: its timestamp has 13 digits, not 12 (YYYYMMDDHHMM)
                help: rename it to `202511121400_add_x.sql`"#]],
        );
        check(
            "202513121400_add_x.sql",
            expect![[r#"
                file name `202513121400_add_x.sql` has a bad timestamp: month 13 does not exist
                help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)"#]],
        );
        check(
            "202502291400_add_x.sql",
            expect![[r#"
                file name `202502291400_add_x.sql` has a bad timestamp: day 29 does not exist in 2025-02
                help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)"#]],
        );
        check(
            "202511122460_add_x.sql",
            expect![[r#"
                file name `202511122460_add_x.sql` has a bad timestamp: hour 24 does not exist
                help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)"#]],
        );
        check(
            "202511121400_Add_X.sql",
            expect![[r#"
                file name `202511121400_Add_X.sql` has a bad slug: the slug has an upper-case letter `A`; slugs are lower case
                help: rename it to `202511121400_add_x.sql`"#]],
        );
        check(
            "202511121400_add x.sql",
            expect![[r#"
                file name `202511121400_add x.sql` has a bad slug: the slug has a space; separate words with `_`
                help: rename it to `202511121400_add_x.sql`"#]],
        );
        check(
            "202511121400_add-x.sql",
            expect![[r#"
                file name `202511121400_add-x.sql` has a bad slug: the slug has `-`; only a-z, 0-9 and `_` are allowed
                help: rename it to `202511121400_add_x.sql`"#]],
        );
        check(
            "202511121400_add__x.sql",
            expect![[r#"
                file name `202511121400_add__x.sql` has a bad slug: `_` only separates words: not first, not last, never doubled
                help: rename it to `202511121400_add_x.sql`"#]],
        );
        check(
            "202511121400.sql",
            expect![[r#"
                file name `202511121400.sql` has a bad slug: the timestamp must be followed by `_` and a slug
                help: rename it to `YYYYMMDDHHMM_slug.sql`, the slug in lower case words joined by `_`"#]],
        );
        check(
            "add_x.sql",
            expect![[r#"
                file name `add_x.sql` has a bad timestamp: it does not start with a 12-digit UTC timestamp
                help: rename it with the current UTC time as YYYYMMDDHHMM (`cargo migrations new <slug>` names new files so)"#]],
        );
    }

    #[test]
    fn long_slugs_are_refused() {
        let name = format!("202511121400_{}.sql", "a".repeat(64));
        assert!(matches!(
            RevisionFileName::parse(&name),
            Err(Problem::BadSlug { .. })
        ));
        let name = format!("202511121400_{}.sql", "a".repeat(63));
        assert!(RevisionFileName::parse(&name).is_ok());
    }

    #[test]
    fn ids_parse_only_when_valid() {
        assert_eq!(parse_id("202511121400"), Some(RevisionId(202511121400)));
        assert_eq!(
            parse_id("202511121400_add_x"),
            Some(RevisionId(202511121400))
        );
        assert_eq!(parse_id("202511121400x"), None);
        assert_eq!(parse_id("202511321400"), None);
        assert_eq!(parse_id("2025111214"), None);
    }
}
