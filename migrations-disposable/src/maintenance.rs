//! The SQL a disposable server runs on its maintenance connection to copy, drop and clean up after
//! databases, with the ownership checks that keep it from ever dropping a database it did not
//! create.

use std::collections::BTreeSet;

use postgres::Client;

use crate::identity::{DATABASE_PREFIX, quote_ident};
use crate::{Backend, DisposableError};

/// Maps a driver error to [`DisposableError::Sql`] for `action`.
pub(crate) fn sql_error(
    backend: Backend,
    action: impl Into<String>,
) -> impl FnOnce(postgres::Error) -> DisposableError {
    let action = action.into();
    move |source| DisposableError::Sql {
        backend,
        action,
        source,
    }
}

/// Copying needs a database nobody is connected to: refuse new connections, terminate the existing
/// ones (all of them ours, since the database is), copy, then allow connections again.
pub(crate) fn copy_database(
    client: &mut Client,
    original: &str,
    create: &str,
) -> Result<(), postgres::Error> {
    client.batch_execute(&format!(
        "ALTER DATABASE {} ALLOW_CONNECTIONS false",
        quote_ident(original)
    ))?;
    let copied = terminate_sessions(client, original).and_then(|()| client.batch_execute(create));
    let reopened = client.batch_execute(&format!(
        "ALTER DATABASE {} ALLOW_CONNECTIONS true",
        quote_ident(original)
    ));
    copied.and(reopened)
}

pub(crate) fn terminate_sessions(
    client: &mut Client,
    database: &str,
) -> Result<(), postgres::Error> {
    client
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&database],
        )
        .map(drop)
}

/// Drops `name` only if it carries our prefix, still has the oid it had when created, and still
/// carries the exact marker comment written then. A database already gone is fine.
pub(crate) fn drop_if_ours(
    client: &mut Client,
    backend: Backend,
    version_num: u32,
    name: &str,
    oid: u32,
    marker: &str,
) -> Result<(), DisposableError> {
    let refuse = |reason: String| DisposableError::NotOurs {
        backend,
        database: name.to_owned(),
        reason,
    };
    if !name.starts_with(DATABASE_PREFIX) {
        return Err(refuse(format!(
            "its name lacks the {DATABASE_PREFIX} prefix"
        )));
    }
    let row = client
        .query_opt(
            "SELECT oid, shobj_description(oid, 'pg_database'), datistemplate \
             FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .map_err(sql_error(backend, format!("look up database {name}")))?;
    let Some(row) = row else {
        return Ok(());
    };
    let current_oid: u32 = row.get(0);
    let comment: Option<String> = row.get(1);
    let is_template: bool = row.get(2);
    if current_oid != oid {
        return Err(refuse(format!(
            "its oid is {current_oid}, not {oid} as when it was created, so another database took the name"
        )));
    }
    if comment.as_deref() != Some(marker) {
        return Err(refuse(
            "its comment no longer carries the marker written when it was created".into(),
        ));
    }
    // One statement per call: DROP DATABASE refuses to run in the implicit transaction of a
    // multi-statement query.
    let quoted = quote_ident(name);
    let unfrozen = if is_template {
        client.batch_execute(&format!("ALTER DATABASE {quoted} IS_TEMPLATE false"))
    } else {
        Ok(())
    };
    unfrozen
        .and_then(|()| {
            if version_num >= 130_000 {
                client.batch_execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            } else {
                client
                    .batch_execute(&format!("ALTER DATABASE {quoted} ALLOW_CONNECTIONS false"))
                    .and_then(|()| terminate_sessions(client, name))
                    .and_then(|()| {
                        client.batch_execute(&format!("DROP DATABASE IF EXISTS {quoted}"))
                    })
            }
        })
        .map_err(sql_error(backend, format!("drop database {name}")))
}

/// The roles of the cluster.
pub(crate) fn role_names(client: &mut Client) -> Result<BTreeSet<String>, postgres::Error> {
    Ok(client
        .query("SELECT rolname::text FROM pg_roles", &[])?
        .iter()
        .map(|row| row.get(0))
        .collect())
}

/// Roles are cluster-wide, so a revision that creates one leaves it behind on a shared server. Once
/// none of our databases is left, roles that did not exist when the first was created and that own
/// or are granted nothing in any database are dropped. Best effort, see the crate documentation.
pub(crate) fn drop_new_roles(baseline: &BTreeSet<String>, client: &mut Client) {
    let Ok(rows) = client.query(
        "SELECT r.rolname::text FROM pg_roles r WHERE NOT r.rolsuper AND NOT EXISTS ( \
             SELECT 1 FROM pg_shdepend d \
             WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r.oid)",
        &[],
    ) else {
        return;
    };
    for row in rows {
        let role: String = row.get(0);
        if !baseline.contains(&role) && !role.starts_with("pg_") {
            let _ = client.batch_execute(&format!("DROP ROLE IF EXISTS {}", quote_ident(&role)));
        }
    }
}
