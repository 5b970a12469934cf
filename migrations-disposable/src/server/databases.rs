//! Creating, freezing, copying and dropping a server's disposable databases through its
//! maintenance connection, and keeping the list of those it has not dropped yet.

use std::sync::Arc;

use postgres::Client;

use super::database::DisposableDb;
use super::state::{LiveDatabase, ServerCore};
use crate::identity::{DATABASE_PREFIX, Marker, next_serial, quote_ident, quote_literal, run_id};
use crate::maintenance::{
    copy_database, drop_if_ours, drop_new_roles, role_names, sql_error, terminate_sessions,
};
use crate::{Backend, DisposableError};

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
        if none_left
            && self.backend == Backend::Server
            && self.drop_new_roles
            && let Some(baseline) = self.lock_live().role_baseline.take()
        {
            drop_new_roles(&baseline, client);
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
        let roles = role_names(client).map_err(sql_error(self.backend, "list the roles"))?;
        self.lock_live().role_baseline = Some(roles);
        Ok(())
    }
}
