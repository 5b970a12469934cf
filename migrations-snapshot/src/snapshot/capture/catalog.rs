//! The connection a capture reads the catalogs over, for both drivers: the capture is written once
//! as async code, `tokio_postgres::Client` runs it natively, and `postgres::Client` with futures
//! that are ready at once, driven by [`block_on`] in a single poll.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use postgres::Row;
use postgres::types::{ToSql, Type};

/// A statement's parameters with their types: with the types given, nothing needs preparing.
pub(crate) type Params<'a> = [(&'a (dyn ToSql + Sync), Type)];

/// What a capture sends: a few statements without rows, and catalog queries.
pub(crate) trait Catalog: Send {
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), postgres::Error>> + Send + 'a;

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a Params<'a>,
    ) -> impl Future<Output = Result<Vec<Row>, postgres::Error>> + Send + 'a;
}

impl Catalog for postgres::Client {
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), postgres::Error>> + Send + 'a {
        std::future::ready(self.batch_execute(sql))
    }

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a Params<'a>,
    ) -> impl Future<Output = Result<Vec<Row>, postgres::Error>> + Send + 'a {
        std::future::ready(self.query_typed(sql, params))
    }
}

impl Catalog for tokio_postgres::Client {
    fn execute<'a>(
        &'a mut self,
        sql: &'a str,
    ) -> impl Future<Output = Result<(), postgres::Error>> + Send + 'a {
        self.batch_execute(sql)
    }

    fn query<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a Params<'a>,
    ) -> impl Future<Output = Result<Vec<Row>, postgres::Error>> + Send + 'a {
        self.query_typed(sql, params)
    }
}

/// Runs a future whose every await is ready at once: the capture over the blocking driver.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        // Not reached with the blocking driver, whose futures are all ready; a future that is not
        // is polled again rather than left hanging.
        std::thread::yield_now();
    }
}
