//! Snapshots without the roles that built them: two databases migrated by different roles (a
//! disposable server's and production's) compare equal.
//!
//! The role that ran the revisions owns what they created, and the bootstrap superuser what a
//! fresh database has; both differ from server to server. In an owner-independent snapshot their
//! `owner:` lines are gone and they are written `OWNER` wherever privileges name them. Other
//! roles (those the revisions grant to, or give objects to) stay as they are.

use crate::render::text::{split_outside_quotes, unquote};
use postgres::types::Type;

use crate::snapshot::{Catalog, ObjectKind, SchemaObject, SchemaSnapshot, SnapshotError, block_on};

/// How an owner-independent snapshot writes the roles it leaves out.
pub const OWNER: &str = "OWNER";

/// The roles a database's schema belongs to, by server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roles {
    /// The role that ran the revisions: the owner of the history table, else the session's role.
    pub migrations: String,
    /// The bootstrap superuser, who owns what every fresh database has.
    pub superuser: String,
}

impl Roles {
    /// Reads the roles of the connected database; `history_table` is the history table as SQL
    /// names it (`refinery_schema_history`, `"ops"."history"`).
    pub fn read(
        client: &mut postgres::Client,
        history_table: &str,
    ) -> Result<Roles, SnapshotError> {
        block_on(Roles::read_from(client, history_table))
    }

    /// [`Roles::read`] over `tokio-postgres`.
    pub async fn read_async(
        client: &mut tokio_postgres::Client,
        history_table: &str,
    ) -> Result<Roles, SnapshotError> {
        Roles::read_from(client, history_table).await
    }

    async fn read_from<C: Catalog>(
        catalog: &mut C,
        history_table: &str,
    ) -> Result<Roles, SnapshotError> {
        let what = "roles that own the schema";
        let rows = catalog
            .query(
                "SELECT coalesce((SELECT pg_catalog.pg_get_userbyid(c.relowner)::text FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1::text)), current_user::text), (SELECT r.rolname::text FROM pg_catalog.pg_roles r WHERE r.oid = 10)",
                &[(&history_table, Type::TEXT)],
            )
            .await
            .map_err(|error| SnapshotError::Query { what, error })?;
        let Some(row) = rows.first() else {
            return Err(SnapshotError::NoRow { what });
        };
        let get = |index: usize, column: &'static str| {
            row.try_get::<_, String>(index)
                .map_err(|error| SnapshotError::Decode {
                    what,
                    column,
                    error,
                })
        };
        Ok(Roles {
            migrations: get(0, "migrations")?,
            superuser: get(1, "superuser")?,
        })
    }

    fn contains(&self, role: &str) -> bool {
        let role = unquote(role);
        role == self.migrations || role == self.superuser
    }
}

impl SchemaSnapshot {
    /// The snapshot with `roles` left out: their `owner:` lines removed, and their names in
    /// privileges and default privileges written [`OWNER`].
    pub fn owner_independent(&self, roles: &Roles) -> SchemaSnapshot {
        SchemaSnapshot::from_objects(self.objects().iter().map(|object| {
            let name = match object.kind {
                ObjectKind::DefaultPrivileges => default_privileges_name(&object.name, roles),
                _ => object.name.clone(),
            };
            let definition = match object.kind {
                ObjectKind::DefaultPrivileges => rewrite_acl(&object.definition, roles),
                _ => object
                    .definition
                    .lines()
                    .filter(|line| {
                        !line
                            .strip_prefix("owner: ")
                            .is_some_and(|owner| roles.contains(owner))
                    })
                    .map(|line| match line.strip_prefix("privileges: ") {
                        Some(acl) => format!("privileges: {}", rewrite_acl(acl, roles)),
                        None => line.to_owned(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            };
            SchemaObject {
                kind: object.kind,
                name,
                definition,
            }
        }))
    }
}

/// `<role> [in schema s] on <kind>` with the role written OWNER when it is one of `roles`.
fn default_privileges_name(name: &str, roles: &Roles) -> String {
    let parts = split_outside_quotes(name, " ");
    match parts.split_first() {
        Some((role, rest)) if roles.contains(role) => format!("{OWNER} {}", rest.join(" ")),
        _ => name.to_owned(),
    }
}

/// `grantee=privileges/grantor` items with `roles` written OWNER, sorted again.
fn rewrite_acl(acl: &str, roles: &Roles) -> String {
    let rewrite = |role: &str| {
        if roles.contains(role) {
            OWNER.to_owned()
        } else {
            role.to_owned()
        }
    };
    let mut items: Vec<String> = split_outside_quotes(acl, ", ")
        .into_iter()
        .map(|item| {
            let Some((grantee, rest)) = split_outside_quotes(item, "=")
                .first()
                .map(|grantee| (*grantee, &item[grantee.len()..]))
            else {
                return item.to_owned();
            };
            let rest = rest.strip_prefix('=').unwrap_or(rest);
            match rest.rsplit_once('/') {
                Some((privileges, grantor)) => {
                    format!("{}={privileges}/{}", rewrite(grantee), rewrite(grantor))
                }
                None => item.to_owned(),
            }
        })
        .collect();
    items.sort();
    items.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roles_that_built_a_schema_are_left_out() {
        let roles = Roles {
            migrations: "Deployer".to_owned(),
            superuser: "postgres".to_owned(),
        };
        let object = |kind, name: &str, definition: &str| SchemaObject {
            kind,
            name: name.to_owned(),
            definition: definition.to_owned(),
        };
        let snapshot = SchemaSnapshot::from_objects([
            object(
                ObjectKind::Table,
                "app.t",
                "columns: id\nowner: Deployer\nprivileges: app_user=r/\"Deployer\", \"Deployer\"=arwdDxt/\"Deployer\"",
            ),
            object(
                ObjectKind::Extension,
                "plpgsql",
                "version: 1.0\nowner: postgres",
            ),
            object(ObjectKind::Schema, "public", "owner: pg_database_owner"),
            object(
                ObjectKind::DefaultPrivileges,
                "\"Deployer\" in schema app on tables",
                "app_user=r/\"Deployer\"",
            ),
        ]);
        let independent = snapshot.owner_independent(&roles);
        let written: Vec<String> = independent
            .objects()
            .iter()
            .map(|o| format!("{} {}: {}", o.kind, o.name, o.definition))
            .collect();
        assert_eq!(
            written,
            [
                "extension plpgsql: version: 1.0",
                "schema public: owner: pg_database_owner",
                "table app.t: columns: id\nprivileges: OWNER=arwdDxt/OWNER, app_user=r/OWNER",
                "default privileges OWNER in schema app on tables: app_user=r/OWNER",
            ]
        );
    }
}
