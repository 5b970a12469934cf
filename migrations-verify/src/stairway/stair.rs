//! The stairway's databases: the one it walks, a fresh one at a position, and with `--keep-going`
//! the shadow that only goes up, copied to go on from after a failure.

use migrations_core::Target;
use migrations_disposable::{DisposableDb, DisposableServer};
use postgres::Client;

use super::{Verifier, VerifyError};

/// The stairway's database and a connection to it.
pub(super) struct Stair {
    pub(super) db: DisposableDb,
    pub(super) client: Client,
}

impl Stair {
    /// A copy of the database, on `server`; the connection is back when it returns.
    pub(super) fn copy(&mut self, server: &DisposableServer) -> Result<DisposableDb, VerifyError> {
        // A copy needs the source idle: close our session, copy, reconnect.
        drop(std::mem::replace(&mut self.client, self.db.connect()?));
        let copy = server.clone_db(&self.db);
        self.client = self.db.connect()?;
        Ok(copy?)
    }
}

impl Verifier<'_> {
    /// A fresh database at `position` revisions applied (revisions only).
    pub(super) fn fresh_stair(
        &self,
        position: usize,
    ) -> Result<Result<Stair, String>, VerifyError> {
        let db = self.server.create_db()?;
        let mut client = db.connect()?;
        if position > 0 {
            let target = Target::Id(self.set.revisions()[position - 1].id());
            if let Err(error) = self.stairway.upgrade(&mut client, target) {
                return Ok(Err(error.to_string()));
            }
        }
        Ok(Ok(Stair { db, client }))
    }

    /// A database at `start` for the stairway, or the error that `--from` names a revision the
    /// revisions up to which do not apply.
    pub(super) fn start_stair(&mut self, start: usize) -> Result<Stair, VerifyError> {
        match self.fresh_stair(start)? {
            Ok(stair) => Ok(stair),
            Err(error) => Err(VerifyError::From {
                from: self.options.from.clone().unwrap_or_default(),
                reason: format!("the revisions up to it do not apply: {error}"),
            }),
        }
    }

    /// A copy of a database that only went up, at `position`: the shadow is created (from base)
    /// the first time and moved up from there on.
    pub(super) fn rebuilt_stair(
        &mut self,
        position: usize,
    ) -> Result<Result<Stair, String>, VerifyError> {
        let mut shadow = match self.shadow.take() {
            Some(shadow) => shadow,
            None => match self.fresh_stair(0)? {
                Ok(shadow) => shadow,
                Err(error) => return Ok(Err(error)),
            },
        };
        if let Err(error) = self
            .stairway
            .upgrade(&mut shadow.client, self.target_at(position))
        {
            return Ok(Err(error.to_string()));
        }
        let copy = shadow.copy(self.server);
        self.shadow = Some(shadow);
        let db = copy?;
        let client = db.connect()?;
        Ok(Ok(Stair { db, client }))
    }
}
