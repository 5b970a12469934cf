//! Reading a snapshot object's definition back: its SQL lines and `key: value` properties, its
//! qualified name's parts, and its comments; and writing SQL literals.

/// The keys of the properties a definition may end with (see `snapshot/definition.rs`).
const PROPERTY_KEYS: &[&str] = &[
    "access method",
    "attached to",
    "clustered",
    "columns",
    "comment",
    "enabled",
    "inherits",
    "of type",
    "options",
    "owned by",
    "owner",
    "partition by",
    "partition of",
    "persistence",
    "privileges",
    "replica identity",
    "row security",
    "schema",
    "server",
    "server options",
    "settings",
    "statistics",
    "storage",
    "tablespace",
    "valid",
    "version",
];

/// A definition split into its SQL lines and the properties after them.
#[derive(Debug, Default)]
pub(crate) struct Parsed<'a> {
    pub(crate) sql: Vec<&'a str>,
    pub(crate) properties: Vec<(&'a str, &'a str)>,
}

impl<'a> Parsed<'a> {
    /// Splits a definition: the properties are the lines at its end that start with a known key
    /// (or `comment on <member>`), the SQL is everything before them.
    pub(crate) fn new(definition: &'a str) -> Parsed<'a> {
        let lines: Vec<&str> = definition.lines().collect();
        let mut split = lines.len();
        while split > 0 && property(lines[split - 1]).is_some() {
            split -= 1;
        }
        Parsed {
            sql: lines[..split].to_vec(),
            properties: lines[split..].iter().filter_map(|l| property(l)).collect(),
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&'a str> {
        self.properties
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, value)| *value)
    }

    /// The SQL lines joined.
    pub(crate) fn sql_text(&self) -> String {
        self.sql.join("\n")
    }

    /// The first SQL line, or nothing.
    pub(crate) fn first_line(&self) -> &'a str {
        self.sql.first().copied().unwrap_or_default()
    }

    /// The comments on members: `comment on column x: "..."` as (`column x`, text).
    pub(crate) fn member_comments(&self) -> impl Iterator<Item = (&'a str, String)> + '_ {
        self.properties.iter().filter_map(|(key, value)| {
            key.strip_prefix("comment on ")
                .map(|member| (member, unescape_comment(value)))
        })
    }

    /// The comment, decoded.
    pub(crate) fn comment(&self) -> Option<String> {
        self.get("comment").map(unescape_comment)
    }

    /// A comma-separated list property, empty when absent.
    pub(crate) fn list(&self, key: &str) -> Vec<&'a str> {
        self.get(key)
            .map(|value| split_outside_quotes(value, ", "))
            .unwrap_or_default()
    }
}

fn property(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once(": ")?;
    (PROPERTY_KEYS.contains(&key) || key.starts_with("comment on ")).then_some((key, value))
}

/// Splits at `separator` where it is outside double-quoted identifiers and single-quoted literals.
pub(crate) fn split_outside_quotes<'a>(text: &'a str, separator: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let (mut start, mut quote) = (0, None::<char>);
    let mut index = 0;
    while index < text.len() {
        let rest = &text[index..];
        let character = rest.chars().next().unwrap_or_default();
        match quote {
            Some(open) if character == open => quote = None,
            Some(_) => {}
            None if character == '"' || character == '\'' => quote = Some(character),
            None if rest.starts_with(separator) => {
                parts.push(&text[start..index]);
                index += separator.len();
                start = index;
                continue;
            }
            None => {}
        }
        index += character.len_utf8();
    }
    if start < text.len() || !parts.is_empty() {
        parts.push(&text[start..]);
    }
    parts
}

/// The parts of a qualified name (`schema.table.column`), each as written (quoted when needed).
pub(crate) fn name_parts(name: &str) -> Vec<&str> {
    split_outside_quotes(name, ".")
}

/// The first `count` parts of a qualified name, joined again.
pub(crate) fn prefix(name: &str, count: usize) -> String {
    name_parts(name)[..count.min(name_parts(name).len())].join(".")
}

/// The last part of a qualified name, as written.
pub(crate) fn last_part(name: &str) -> &str {
    name_parts(name).last().copied().unwrap_or(name)
}

/// An identifier as the server stores it: quotes removed, doubled quotes made single.
pub(crate) fn unquote(identifier: &str) -> String {
    match identifier
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(inner) => inner.replace("\"\"", "\""),
        None => identifier.to_owned(),
    }
}

/// A SQL string literal (standard-conforming: only single quotes are doubled).
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Decodes a comment as the snapshot writes it: a Rust string literal (`"..."`, with `\n`, `\"`,
/// `\\`, `\u{..}` escapes).
pub(crate) fn unescape_comment(written: &str) -> String {
    let inner = written
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or(written);
    let mut text = String::with_capacity(inner.len());
    let mut characters = inner.chars();
    while let Some(character) = characters.next() {
        if character != '\\' {
            text.push(character);
            continue;
        }
        match characters.next() {
            Some('n') => text.push('\n'),
            Some('r') => text.push('\r'),
            Some('t') => text.push('\t'),
            Some('0') => text.push('\0'),
            Some('u') => {
                let code: String = characters
                    .by_ref()
                    .skip(1)
                    .take_while(|c| *c != '}')
                    .collect();
                if let Some(decoded) = u32::from_str_radix(&code, 16).ok().and_then(char::from_u32)
                {
                    text.push(decoded);
                }
            }
            Some(other) => text.push(other),
            None => text.push('\\'),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definition_splits_into_sql_and_properties() {
        let parsed = Parsed::new(
            "CREATE VIEW v AS\n SELECT 1 AS \"a: b\";\noptions: security_barrier=true\nowner: app\ncomment on column x: \"c\"",
        );
        assert_eq!(parsed.sql, ["CREATE VIEW v AS", " SELECT 1 AS \"a: b\";"]);
        assert_eq!(parsed.get("owner"), Some("app"));
        assert_eq!(
            parsed.member_comments().collect::<Vec<_>>(),
            [("column x", "c".to_owned())]
        );
        assert!(Parsed::new("owner: app").sql.is_empty());
    }

    #[test]
    fn names_lists_and_comments_read_back() {
        assert_eq!(name_parts("app.\"a.b\".c"), ["app", "\"a.b\"", "c"]);
        assert_eq!(prefix("app.t.c", 2), "app.t");
        assert_eq!(unquote("\"Odd \"\"name\"\"\""), "Odd \"name\"");
        assert_eq!(
            split_outside_quotes("a=r/b, \"x, y\"=r/b, c", ", "),
            ["a=r/b", "\"x, y\"=r/b", "c"]
        );
        assert!(split_outside_quotes("", ", ").is_empty());
        let comment = "two\nlines \"quoted\" \\ it's \u{7f}";
        assert_eq!(unescape_comment(&format!("{comment:?}")), comment);
        assert_eq!(literal("it's"), "'it''s'");
    }
}
