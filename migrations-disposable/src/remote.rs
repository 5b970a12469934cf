//! The server backend: databases on an existing server that we share with others, so every step
//! checks ownership, and debris of dead runs is recognised by its marker comment.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use postgres::Client;

use crate::admin::{drop_if_ours, sql_error};
use crate::identity::{DATABASE_PREFIX, Marker, quote_ident};
use crate::server::ServerCore;
use crate::settings::Settings;
use crate::{Backend, DisposableError};

/// Checks that the role may create databases, then drops debris of dead runs.
pub(crate) fn prepare(
    client: &mut Client,
    settings: &Settings,
    version_num: u32,
) -> Result<(), DisposableError> {
    let row = client
        .query_one(
            "SELECT current_user::text, rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .map_err(sql_error(Backend::Server, "read the privileges of the role"))?;
    let role: String = row.get(0);
    let may_create: bool = row.get(1);
    if !may_create {
        return Err(DisposableError::MissingCreatedb { role });
    }
    remove_debris(client, settings.stale_after, version_num);
    Ok(())
}

/// Drops our marked databases whose creator on this host died, or that are older than the stale age.
/// Best effort: a database we may not drop (another role's) is skipped.
fn remove_debris(client: &mut Client, stale_after: Duration, version_num: u32) {
    let Ok(rows) = client.query(
        "SELECT datname::text, oid, shobj_description(oid, 'pg_database') FROM pg_database \
         WHERE left(datname::text, length($1)) = $1",
        &[&DATABASE_PREFIX],
    ) else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let oid: u32 = row.get(1);
        let Some(comment) = row.get::<_, Option<String>>(2) else {
            continue;
        };
        if Marker::parse(&comment).is_some_and(|marker| marker.is_debris(stale_after)) {
            let _ = drop_if_ours(client, Backend::Server, version_num, &name, oid, &comment);
        }
    }
}

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
pub(crate) fn drop_new_roles(core: &ServerCore, client: &mut Client) {
    let Some(baseline) = core.lock_live().role_baseline.take() else {
        return;
    };
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

/// From a signal or exit handler: a connection of its own (the maintenance one may be busy), every
/// live database dropped after the usual checks.
pub(crate) fn emergency_drop(core: &ServerCore) {
    let databases: Vec<(String, u32, String)> = {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match core.live.try_lock() {
                Ok(live) => break collect(&live),
                Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                    break collect(&poisoned.into_inner());
                }
                Err(std::sync::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(std::sync::TryLockError::WouldBlock) => return,
            }
        }
    };
    if databases.is_empty() {
        return;
    }
    let Ok(mut client) = core.connect_fresh() else {
        eprintln!(
            "migrations-disposable: could not reach the server to drop {}; the next run removes them",
            databases
                .iter()
                .map(|(name, _, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return;
    };
    crate::blocking::off_runtime(|| {
        for (name, oid, marker) in &databases {
            let _ = drop_if_ours(
                &mut client,
                Backend::Server,
                core.version_num,
                name,
                *oid,
                marker,
            );
        }
        if core.drop_new_roles {
            drop_new_roles(core, &mut client);
        }
        drop(client);
    });
}

fn collect(live: &crate::server::LiveDatabases) -> Vec<(String, u32, String)> {
    live.databases
        .iter()
        .map(|(name, database)| (name.clone(), database.oid, database.marker.clone()))
        .collect()
}
