//! Checksums of revisions and repeatables, and the text normalisation they are defined over.
//!
//! A revision's checksum is refinery's: SipHash-1-3 (keys 0, 0) over the slug, the 64-bit id and the
//! up SQL, each fed through `std::hash::Hash`. Computing it here, at compile time, gives the same
//! number refinery stores in its history table, so a database migrated by either tool verifies with
//! the other. Only the up section counts: editing the down section of an applied revision is allowed.
//! The text is normalised first (BOM removed, CRLF turned into LF) so that a Windows checkout or an
//! editor that adds a BOM does not change any checksum.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use siphasher::sip::SipHasher13;

use crate::id::RevisionId;

/// Removes a leading byte-order mark and turns CRLF line endings into LF.
pub fn normalise(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// refinery's checksum of a revision, over its normalised up SQL.
pub fn revision_checksum(id: RevisionId, slug: &str, up_sql: &str) -> u64 {
    let mut hasher = SipHasher13::new();
    slug.hash(&mut hasher);
    id.get().hash(&mut hasher);
    up_sql.hash(&mut hasher);
    hasher.finish()
}

/// The checksum of a repeatable migration: the same hash over its name and body.
pub fn repeatable_checksum(name: &str, body_sql: &str) -> u64 {
    let mut hasher = SipHasher13::new();
    name.hash(&mut hasher);
    body_sql.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_refinery_checksum() {
        for (id, slug, sql) in [
            (202511121302, "baseline", ""),
            (
                202511121400,
                "add_tenants_table",
                "CREATE TABLE tenants (id uuid PRIMARY KEY);",
            ),
            (202511121500, "unicode_é", "SELECT 'ünïcödé';\n"),
        ] {
            let refinery = refinery_core::Migration::unapplied(&format!("V{id}__{slug}"), sql)
                .expect("a valid refinery name");
            assert_eq!(
                revision_checksum(RevisionId(id), slug, sql),
                refinery.checksum(),
                "{slug}"
            );
        }
    }

    #[test]
    fn line_endings_and_bom_do_not_change_the_text() {
        assert_eq!(normalise("\u{feff}a\r\nb\r\n"), "a\nb\n");
        assert_eq!(normalise("a\nb"), "a\nb");
        assert!(matches!(normalise("a\nb"), Cow::Borrowed(_)));
    }
}
