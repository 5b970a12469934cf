//! The server backend: databases on an existing server that we share with others, so every step
//! checks ownership, and debris of dead runs is recognised by its marker comment.

use std::time::Duration;

use postgres::Client;

use crate::identity::{DATABASE_PREFIX, Marker};
use crate::maintenance::{drop_if_ours, sql_error};
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
