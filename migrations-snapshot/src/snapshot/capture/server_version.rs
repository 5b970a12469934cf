//! The connected server's version, read once per capture: the one place that knows which catalog
//! columns each PostgreSQL version has.
//!
//! The queries read only columns every supported version has, except where a version renamed or
//! added one; those are named here and read by name (`to_jsonb(row) ->> column`), so that one query
//! text serves every version. What a version stores as new rows rather than new columns needs no
//! branch: PostgreSQL 17 keeps a domain's NOT NULL in `pg_constraint` (`contype = 'n'`), 18 a
//! table's too, and the constraint queries read those rows wherever they exist.

use super::{Catalog, Columns, query};
use crate::snapshot::error::SnapshotError;

/// The first server version whose catalogs have everything the queries read
/// (`pg_attribute.attgenerated`).
const OLDEST: i32 = 120_000;

/// `server_version_num` of the connected server, e.g. 150018 or 180006.
#[derive(Clone, Copy, Debug)]
pub(super) struct ServerVersion {
    number: i32,
}

impl ServerVersion {
    /// Reads the version, and refuses a server older than the catalogs the queries read.
    pub(super) async fn read<C: Catalog>(catalog: &mut C) -> Result<ServerVersion, SnapshotError> {
        let what = "server version";
        let rows = query(
            catalog,
            what,
            "SELECT current_setting('server_version_num')::int4 AS number, current_setting('server_version') AS version",
            &[],
        ).await?;
        let Some(row) = rows.first() else {
            return Err(SnapshotError::UnsupportedServer {
                version: "unknown".to_owned(),
            });
        };
        let row = Columns::new(row, what);
        let number: i32 = row.get("number")?;
        if number < OLDEST {
            return Err(SnapshotError::UnsupportedServer {
                version: row.get("version")?,
            });
        }
        Ok(ServerVersion { number })
    }

    /// The `pg_collation` column with the locale of a collation whose provider takes one: ICU's on
    /// 15 and 16 (`colliculocale`), any provider's from 17 (`colllocale`, with the builtin
    /// provider); before 15 the provider's locale is only in `collcollate`.
    pub(super) fn collation_locale_column(self) -> Option<&'static str> {
        match self.number {
            ..150_000 => None,
            150_000..170_000 => Some("colliculocale"),
            _ => Some("colllocale"),
        }
    }

    /// The `pg_collation` column with an ICU collation's tailoring rules, from 16.
    pub(super) fn collation_rules_column(self) -> Option<&'static str> {
        (self.number >= 160_000).then_some("collicurules")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collation_columns_follow_the_version() {
        let at = |number| ServerVersion { number };
        let columns = |number| {
            (
                at(number).collation_locale_column(),
                at(number).collation_rules_column(),
            )
        };
        assert_eq!(columns(140_011), (None, None));
        assert_eq!(columns(150_018), (Some("colliculocale"), None));
        assert_eq!(
            columns(160_002),
            (Some("colliculocale"), Some("collicurules"))
        );
        assert_eq!(columns(170_000), (Some("colllocale"), Some("collicurules")));
        assert_eq!(columns(180_006), (Some("colllocale"), Some("collicurules")));
    }
}
