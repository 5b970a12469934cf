//! One connection, as the engine sees it: the few operations it needs, for both drivers.
//!
//! The engine is written once, as async code over [`Session`]. `tokio_postgres::Client` implements
//! it natively. `postgres::Client` implements it with futures that are ready at once (the sync
//! driver blocks inside), and [`block_on`] drives the engine to completion in a single poll, so the
//! blocking API shares every line of the logic with the async one.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::StreamExt;
use tokio_postgres::SimpleQueryMessage;

/// A row of a simple query: every column as text, `None` for NULL.
pub(crate) type TextRow = Vec<Option<String>>;

/// The operations the engine runs on its connection; all through the simple query protocol, so
/// nothing is prepared and a revision's statements reach the server exactly as written.
pub(crate) trait Session: Send {
    /// Runs SQL that returns no rows (one or several statements).
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), tokio_postgres::Error>> + Send + 'a;

    /// Runs a query and returns its rows as text.
    fn rows<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<TextRow>, tokio_postgres::Error>> + Send + 'a;

    /// Runs several queries sent as one string and returns the rows of each, in order.
    fn result_sets<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<Vec<TextRow>>, tokio_postgres::Error>> + Send + 'a;

    /// Waits between two tries of the advisory lock.
    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()> + Send + '_;

    /// Whether [`Session::execute_counting`] can tell how many statements of a query string
    /// completed before an error. The engine then sends a whole transaction as one query string.
    const COUNTS_STATEMENTS: bool;

    /// Runs several statements sent as one query string. On an error, also the number of them
    /// that had completed before it, when [`Session::COUNTS_STATEMENTS`].
    fn execute_counting<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), Counted>> + Send + 'a;
}

/// The error of a query string, and how many of its statements completed before it (`None`
/// when the driver cannot tell).
pub(crate) struct Counted {
    pub(crate) completed: Option<usize>,
    pub(crate) error: tokio_postgres::Error,
}

/// The rows of each statement of a query string: each ends with its CommandComplete.
fn text_result_sets(messages: Vec<SimpleQueryMessage>) -> Vec<Vec<TextRow>> {
    let mut sets = vec![Vec::new()];
    for message in messages {
        match message {
            SimpleQueryMessage::Row(row) => sets.last_mut().into_iter().for_each(|set| {
                set.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_owned))
                        .collect(),
                )
            }),
            SimpleQueryMessage::CommandComplete(_) => sets.push(Vec::new()),
            _ => {}
        }
    }
    sets.pop();
    sets
}

fn text_rows(messages: Vec<SimpleQueryMessage>) -> Vec<TextRow> {
    messages
        .into_iter()
        .filter_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

impl Session for postgres::Client {
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), tokio_postgres::Error>> + Send + 'a {
        std::future::ready(self.batch_execute(sql))
    }

    fn rows<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<TextRow>, tokio_postgres::Error>> + Send + 'a {
        std::future::ready(self.simple_query(sql).map(text_rows))
    }

    fn result_sets<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<Vec<Vec<TextRow>>, tokio_postgres::Error>> + Send + 'a {
        std::future::ready(self.simple_query(sql).map(text_result_sets))
    }

    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()> + Send + '_ {
        std::thread::sleep(duration);
        std::future::ready(())
    }

    // The blocking driver returns the messages of a query string only when all of it succeeded.
    const COUNTS_STATEMENTS: bool = false;

    fn execute_counting<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), Counted>> + Send + 'a {
        std::future::ready(self.batch_execute(sql).map_err(|error| Counted {
            completed: None,
            error,
        }))
    }
}

impl Session for tokio_postgres::Client {
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), tokio_postgres::Error>> + Send + 'a {
        self.batch_execute(sql)
    }

    async fn rows(&mut self, sql: &str) -> Result<Vec<TextRow>, tokio_postgres::Error> {
        self.simple_query(sql).await.map(text_rows)
    }

    async fn result_sets(&mut self, sql: &str) -> Result<Vec<Vec<TextRow>>, tokio_postgres::Error> {
        self.simple_query(sql).await.map(text_result_sets)
    }

    fn sleep(&mut self, duration: Duration) -> impl Future<Output = ()> + Send + '_ {
        tokio::time::sleep(duration)
    }

    const COUNTS_STATEMENTS: bool = true;

    async fn execute_counting(&mut self, sql: &str) -> Result<(), Counted> {
        let failed = |completed, error| Counted {
            completed: Some(completed),
            error,
        };
        let stream = self.simple_query_raw(sql).await.map_err(|e| failed(0, e))?;
        let mut stream = std::pin::pin!(stream);
        let mut completed = 0;
        // Each statement of the string ends with its CommandComplete; an error ends the string.
        while let Some(message) = stream.next().await {
            match message {
                Ok(SimpleQueryMessage::CommandComplete(_)) => completed += 1,
                Ok(_) => {}
                Err(error) => return Err(failed(completed, error)),
            }
        }
        Ok(())
    }
}

/// Runs a future whose every await is ready at once: the engine over a blocking session.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        // Not reached with the blocking session, whose futures are all ready; a future that is
        // not is polled again rather than left hanging.
        std::thread::yield_now();
    }
}
