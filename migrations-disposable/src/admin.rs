//! Creating, freezing, copying and dropping disposable databases through the maintenance connection,
//! with the ownership checks that keep us from ever dropping a database we did not create.

use std::sync::Arc;

use postgres::Client;

use crate::identity::{DATABASE_PREFIX, Marker, next_serial, quote_ident, quote_literal, run_id};
use crate::server::{LiveDatabase, ServerCore};
use crate::{Backend, DisposableDb, DisposableError};

/// What a new database starts from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// `template0`: empty, and untouched by whatever someone added to `template1` on a shared server.
    Empty,
    /// A frozen template of ours.
    Template(&'a str),
    /// A live database of ours, copied in its current state.
    Copy(&'a str),
}

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

impl ServerCore {
    pub(crate) fn create_database(
        self: &Arc<Self>,
        source: Source<'_>,
    ) -> Result<DisposableDb, DisposableError> {
        let name = format!("{DATABASE_PREFIX}{}_{}", run_id(), next_serial());
        let marker = Marker::for_this_process(self.keep).render();
        let backend = self.backend;
        let oid = self.with_admin(|client| {
            self.capture_role_baseline(client)?;
            let template = match source {
                Source::Empty => "template0",
                Source::Template(template) | Source::Copy(template) => template,
            };
            let create = format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quote_ident(&name),
                quote_ident(template)
            );
            let created = match source {
                Source::Copy(original) => copy_database(client, original, &create),
                Source::Empty | Source::Template(_) => client.batch_execute(&create),
            };
            created.map_err(sql_error(backend, format!("create database {name}")))?;
            let marked = client
                .batch_execute(&format!(
                    "COMMENT ON DATABASE {} IS {}",
                    quote_ident(&name),
                    quote_literal(&marker)
                ))
                .and_then(|()| {
                    client.query_one("SELECT oid FROM pg_database WHERE datname = $1", &[&name])
                })
                .map(|row| row.get::<_, u32>(0));
            match marked {
                Ok(oid) => {
                    self.lock_live().databases.insert(
                        name.clone(),
                        LiveDatabase {
                            oid,
                            marker: marker.clone(),
                        },
                    );
                    Ok(oid)
                }
                Err(error) => {
                    // Unmarked, it would be invisible to every later sweep: drop it right away.
                    let _ = client
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(&name)));
                    Err(sql_error(backend, format!("mark database {name} as ours"))(
                        error,
                    ))
                }
            }
        })?;
        Ok(DisposableDb::new(
            name.clone(),
            oid,
            self.url_for(&name),
            Arc::clone(self),
        ))
    }

    /// After a template is built: no new connections, existing ones terminated, then marked as a
    /// template so that clones do not wait 5 s for "being accessed by other users".
    pub(crate) fn freeze_template(&self, name: &str) -> Result<(), DisposableError> {
        let backend = self.backend;
        self.with_admin(|client| {
            client
                .batch_execute(&format!(
                    "ALTER DATABASE {} ALLOW_CONNECTIONS false",
                    quote_ident(name)
                ))
                .and_then(|()| terminate_sessions(client, name))
                .and_then(|()| {
                    client.batch_execute(&format!(
                        "ALTER DATABASE {} IS_TEMPLATE true",
                        quote_ident(name)
                    ))
                })
                .map_err(sql_error(backend, format!("freeze template {name}")))
        })
    }

    /// Drops one of our databases after checking it still is ours, then (server backend) drops the
    /// roles created meanwhile if it was the last one.
    pub(crate) fn drop_database(
        &self,
        client: &mut Client,
        name: &str,
    ) -> Result<(), DisposableError> {
        let expected = self.lock_live().databases.get(name).cloned();
        let Some(expected) = expected else {
            return Ok(());
        };
        let result = drop_if_ours(
            client,
            self.backend,
            self.version_num,
            name,
            expected.oid,
            &expected.marker,
        );
        let none_left = {
            let mut live = self.lock_live();
            live.databases.remove(name);
            live.databases.is_empty()
        };
        if none_left && self.backend == Backend::Server && self.drop_new_roles {
            crate::remote::drop_new_roles(self, client);
        }
        result
    }

    fn capture_role_baseline(&self, client: &mut Client) -> Result<(), DisposableError> {
        if self.backend != Backend::Server || !self.drop_new_roles {
            return Ok(());
        }
        {
            let live = self.lock_live();
            if !live.databases.is_empty() || live.role_baseline.is_some() {
                return Ok(());
            }
        }
        let roles =
            crate::remote::role_names(client).map_err(sql_error(self.backend, "list the roles"))?;
        self.lock_live().role_baseline = Some(roles);
        Ok(())
    }
}

/// Copying needs a database nobody is connected to: refuse new connections, terminate the existing
/// ones (all of them ours, since the database is), copy, then allow connections again.
fn copy_database(client: &mut Client, original: &str, create: &str) -> Result<(), postgres::Error> {
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

fn terminate_sessions(client: &mut Client, database: &str) -> Result<(), postgres::Error> {
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
