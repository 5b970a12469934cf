//! The advisory lock every changing command holds: polled, bounded, reported with its holder, and
//! released however the run ends.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::first_value;
use crate::error::Error;
use crate::session::Session;

/// How long a wait for the advisory lock goes before it is announced.
const LOCK_WAIT_ANNOUNCED: Duration = Duration::from_secs(1);

/// The longest pause between two tries of the advisory lock.
pub(super) const MAX_LOCK_POLL: Duration = Duration::from_millis(100);

pub(super) async fn unlock<S: Session>(session: &mut S, key: i64) {
    let _ = session
        .execute(&format!("SELECT pg_catalog.pg_advisory_unlock({key})"))
        .await;
}

/// How often the server checks, during a long statement, that the runner is still connected.
pub(super) const CLIENT_CHECK_INTERVAL_MS: u32 = 1000;

/// The query that tries the advisory lock. It also asks the server to notice a runner that
/// vanished in the middle of a long statement (`client_connection_check_interval`, PostgreSQL 14
/// and later), in the same round trip. Without it, a runner killed during a long revision leaves
/// its session running that statement to its end, the advisory lock held all the while, and the
/// next run waits for nothing. A value the client chose is kept; on a server without the setting
/// `current_setting(.., true)` is NULL and nothing is set.
pub(super) fn try_lock_query(key: i64) -> String {
    format!(
        "SELECT pg_catalog.pg_try_advisory_lock({key}), \
         CASE WHEN pg_catalog.current_setting('client_connection_check_interval', true) = '0' \
         THEN pg_catalog.set_config('client_connection_check_interval', '{CLIENT_CHECK_INTERVAL_MS}', false) END"
    )
}

/// Polls `pg_try_advisory_lock` until it succeeds or `timeout` passes. Polling, not blocking in
/// `pg_advisory_lock`: a session waiting there holds a snapshot, and another runner's
/// `CREATE INDEX CONCURRENTLY` would wait for it forever.
pub(super) async fn acquire_lock<S: Session>(
    session: &mut S,
    key: i64,
    timeout: Duration,
) -> Result<(), Error> {
    let started = Instant::now();
    let query = try_lock_query(key);
    let mut pause = Duration::from_millis(5);
    let mut announced = false;
    loop {
        let rows = session
            .rows(&query)
            .await
            .map_err(Error::database("taking the advisory lock"))?;
        if first_value(&rows) == Some("t") {
            return Ok(());
        }
        let waited = started.elapsed();
        if waited >= timeout {
            let holder = lock_holder(session, key)
                .await
                .map(|h| format!(" (held by {h})"))
                .unwrap_or_default();
            return Err(Error::LockTimeout {
                key,
                waited,
                holder,
            });
        }
        // A start-up that waits says why, once, instead of a silence.
        if !announced && waited >= LOCK_WAIT_ANNOUNCED {
            announced = true;
            let holder = lock_holder(session, key)
                .await
                .map(|h| format!(", held by {h}"))
                .unwrap_or_default();
            tracing::info!(
                "waiting for advisory lock {key}{holder}: another migration run is going on (giving up after {})",
                crate::error::humanize(timeout)
            );
        }
        // Jitter spreads many runners that started together.
        let jitter = Duration::from_micros(u64::from(started.elapsed().subsec_nanos() % 5_000));
        session.sleep((pause + jitter).min(timeout - waited)).await;
        pause = (pause * 2).min(MAX_LOCK_POLL);
    }
}

/// Who holds the advisory lock: pid, application and client.
pub(super) async fn lock_holder<S: Session>(session: &mut S, key: i64) -> Option<String> {
    let (high, low) = ((key as u64) >> 32, (key as u64) & 0xffff_ffff);
    let query = format!(
        "SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'), \
         to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS') \
         FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {high} AND l.objid = {low} AND l.objsubid = 1 \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND l.pid <> pg_backend_pid()"
    );
    let rows = session.rows(&query).await.ok()?;
    let row = rows.first()?;
    let value = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let mut holder = format!("pid {}", value(0));
    if !value(1).is_empty() {
        holder.push_str(&format!(", application `{}`", value(1)));
    }
    holder.push_str(&format!(", client {}", value(2)));
    Some(holder)
}

/// Catches a panic of the wrapped future, so that the lock can be released before it goes on.
pub(super) struct CatchUnwind<F>(pub(super) Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(context))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
