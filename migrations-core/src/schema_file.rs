//! The schema file of a folder (`schema.sql`) and its snapshot form (`schema.snapshot.json`): their
//! names, and the source line of their headers, which says which revisions and repeatable
//! migrations they were rendered from, so that `check` tells offline, without a database, that they
//! are stale.

use std::fmt;
use std::hash::{Hash, Hasher};

use siphasher::sip::SipHasher13;

use crate::revision::RevisionSet;

/// The schema at head as SQL, next to `versions/`.
pub const SCHEMA_SQL: &str = "schema.sql";

/// The same schema as a snapshot, for `migrate drift`, next to `versions/`.
pub const SCHEMA_SNAPSHOT: &str = "schema.snapshot.json";

/// What a schema file was rendered from: the head, how many files, and a checksum over them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub head: String,
    pub revisions: usize,
    pub repeatables: usize,
    /// Sixteen hexadecimal digits.
    pub checksum: String,
}

impl Source {
    /// The source of a set: every revision's name and checksum (its up section) and every
    /// repeatable's name and checksum, in order. Down sections do not change the schema at head, and
    /// do not count.
    pub fn of(set: &RevisionSet) -> Source {
        let mut hasher = SipHasher13::new();
        for revision in set.revisions() {
            revision.name().hash(&mut hasher);
            revision.checksum().hash(&mut hasher);
        }
        for repeatable in set.repeatables() {
            repeatable.name().hash(&mut hasher);
            repeatable.checksum().hash(&mut hasher);
        }
        Source {
            head: set
                .head()
                .map_or_else(|| "none".to_owned(), |h| h.name().to_owned()),
            revisions: set.revisions().len(),
            repeatables: set.repeatables().len(),
            checksum: format!("{:016x}", hasher.finish()),
        }
    }

    /// The header lines of `schema.sql` that name the source, each a SQL comment.
    pub fn sql_header(&self) -> String {
        format!("-- head: {}\n-- source: {self}\n", self.head)
    }

    /// Reads the source from the header of a `schema.sql` (the comment lines it starts with).
    pub fn from_sql(text: &str) -> Option<Source> {
        let header = text.lines().take_while(|line| line.starts_with("--"));
        let (mut head, mut source) = (None, None);
        for line in header {
            if let Some(value) = line.strip_prefix("-- head: ") {
                head = Some(value.trim());
            } else if let Some(value) = line.strip_prefix("-- source: ") {
                source = Some(value.trim());
            }
        }
        Source::parse(head?, source?)
    }

    /// Reads the source from a `schema.snapshot.json`, whose first fields are `head` and `source`
    /// (as written by the `schema` command); the rest of the document is not read.
    pub fn from_snapshot_json(text: &str) -> Option<Source> {
        let field = |name: &str| {
            let start = text.find(&format!("\"{name}\": \""))? + name.len() + 5;
            let end = start + text[start..].find('"')?;
            Some(&text[start..end])
        };
        Source::parse(field("head")?, field("source")?)
    }

    /// Parses `<n> revisions, <m> repeatable migrations, checksum <hex>`.
    fn parse(head: &str, source: &str) -> Option<Source> {
        let mut parts = source.split(", ");
        let revisions = parts.next()?.strip_suffix(" revisions")?.parse().ok()?;
        let repeatables = parts
            .next()?
            .strip_suffix(" repeatable migrations")?
            .parse()
            .ok()?;
        let checksum = parts.next()?.strip_prefix("checksum ")?;
        if parts.next().is_some()
            || checksum.len() != 16
            || !checksum.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        Some(Source {
            head: head.to_owned(),
            revisions,
            repeatables,
            checksum: checksum.to_owned(),
        })
    }

    /// Why the file `file`, whose header says `found`, does not match the folder's source `self`,
    /// with the fix; `None` when it matches.
    pub fn staleness(&self, file: &str, found: Option<&Source>) -> Option<String> {
        match found {
            Some(found) if found == self => None,
            Some(found) => Some(format!(
                "{file} is stale: it was rendered at {} ({found}), the folder is at {} ({self}); run `{}` and commit the result",
                found.head,
                self.head,
                crate::hint::commands().schema
            )),
            None => Some(format!(
                "{file} has no source header (`-- head:` and `-- source:` lines): it was not written by `{}`; run it and commit the result",
                crate::hint::commands().schema
            )),
        }
    }
}

/// `<n> revisions, <m> repeatable migrations, checksum <hex>`.
impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} revisions, {} repeatable migrations, checksum {}",
            self.revisions, self.repeatables, self.checksum
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Source {
        Source {
            head: "202511121400_add_tenants".to_owned(),
            revisions: 2,
            repeatables: 1,
            checksum: "00112233445566ff".to_owned(),
        }
    }

    #[test]
    fn the_source_reads_back_from_both_files() {
        let sql = format!(
            "-- the schema\n{}--\nCREATE TABLE t ();\n",
            source().sql_header()
        );
        assert_eq!(Source::from_sql(&sql), Some(source()));
        let json = "{\n  \"head\": \"202511121400_add_tenants\",\n  \"source\": \"2 revisions, 1 repeatable migrations, checksum 00112233445566ff\",\n  \"objects\": []\n}";
        assert_eq!(Source::from_snapshot_json(json), Some(source()));
        assert_eq!(Source::from_sql("CREATE TABLE t ();\n-- head: x\n"), None);
        assert_eq!(
            Source::from_sql(
                "-- head: x\n-- source: 2 revisions, 1 repeatable migrations, checksum 12\n"
            ),
            None
        );
    }

    #[test]
    fn a_stale_file_says_what_it_was_rendered_from_and_how_to_fix_it() {
        let mut old = source();
        old.revisions = 1;
        old.checksum = "ffffffffffffffff".to_owned();
        old.head = "202511121302_baseline".to_owned();
        assert_eq!(
            source().staleness("migrations/schema.sql", Some(&source())),
            None
        );
        assert_eq!(
            source()
                .staleness("migrations/schema.sql", Some(&old))
                .as_deref(),
            Some(
                "migrations/schema.sql is stale: it was rendered at 202511121302_baseline (1 revisions, 1 repeatable migrations, checksum ffffffffffffffff), the folder is at 202511121400_add_tenants (2 revisions, 1 repeatable migrations, checksum 00112233445566ff); run `cargo migrations schema` and commit the result"
            )
        );
    }
}
