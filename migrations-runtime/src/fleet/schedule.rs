//! Running a command on every database of a fleet: at most `jobs` at once, the canaries first,
//! and no new database started once one failed, unless the run keeps going.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::Fleet;
use super::operation::Operation;
use super::outcome::{DatabaseOutcome, FleetReport, Problem, Status, Stop};
use crate::connect::{ConnectError, DatabaseUrl};
use crate::error::humanize;
use crate::runner::Runner;

/// The outcome of one database under an operation.
pub(super) type OutcomeOf<O> = DatabaseOutcome<<O as Operation>::Output, <O as Operation>::Error>;

/// What every database's run shares.
struct Shared<'a, O> {
    fleet: &'a Fleet,
    /// The runner that does not wait for the lock: a held lock is seen at once.
    eager: &'a Runner,
    /// The runner as configured, which waits for the lock up to its timeout.
    patient: &'a Runner,
    operation: &'a O,
}

/// The error of a connection that did not come up within the connect timeout.
pub(super) fn no_answer(url: &DatabaseUrl, timeout: Duration) -> ConnectError {
    ConnectError::Connect {
        url: url.to_string(),
        reason: format!(
            "no connection within {} (the connect timeout)",
            humanize(timeout)
        ),
    }
}

pub(super) async fn run<O: Operation>(
    fleet: &Fleet,
    runner: &Runner,
    operation: &O,
    on_finish: &mut (dyn FnMut(&OutcomeOf<O>) + Send),
) -> FleetReport<O::Output, O::Error> {
    let eager = runner.clone().with_lock_timeout(Duration::ZERO);
    let shared = Shared {
        fleet,
        eager: &eager,
        patient: runner,
        operation,
    };
    let count = fleet.databases.len();
    let canaries = fleet.canary.min(count);
    let mut outcomes = Vec::with_capacity(count);
    let mut stopped = None;
    run_phase(&shared, 0..canaries, &mut stopped, &mut outcomes, on_finish).await;
    let unsuccessful = outcomes
        .iter()
        .filter(|outcome: &&OutcomeOf<O>| !outcome.status().succeeded())
        .count();
    if unsuccessful > 0 && stopped.is_none() {
        stopped = Some(Stop::Canary {
            unsuccessful,
            canaries,
        });
    }
    run_phase(
        &shared,
        canaries..count,
        &mut stopped,
        &mut outcomes,
        on_finish,
    )
    .await;
    let started: BTreeSet<usize> = outcomes.iter().map(|outcome| outcome.index).collect();
    if let Some(stop) = &stopped {
        for (index, database) in fleet.databases.iter().enumerate() {
            if !started.contains(&index) {
                let outcome = DatabaseOutcome {
                    index,
                    name: database.name().to_owned(),
                    result: Err(Problem::Skipped(stop.clone())),
                    changed: false,
                    waited_for_lock: false,
                    elapsed: Duration::ZERO,
                };
                on_finish(&outcome);
                outcomes.push(outcome);
            }
        }
    }
    outcomes.sort_by_key(|outcome| outcome.index);
    FleetReport { outcomes, stopped }
}

/// Runs the databases of `indices`, `jobs` at once, until they are done or the run stops.
async fn run_phase<O: Operation>(
    shared: &Shared<'_, O>,
    indices: std::ops::Range<usize>,
    stopped: &mut Option<Stop>,
    outcomes: &mut Vec<OutcomeOf<O>>,
    on_finish: &mut (dyn FnMut(&OutcomeOf<O>) + Send),
) {
    let mut waiting = indices;
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < shared.fleet.jobs && stopped.is_none() {
            let Some(index) = waiting.next() else { break };
            running.push(run_one(shared, index));
        }
        let Some(outcome) = running.next().await else {
            return;
        };
        if outcome.status() == Status::Failed && !shared.fleet.keep_going && stopped.is_none() {
            *stopped = Some(Stop::Failure {
                database: outcome.name.clone(),
            });
        }
        on_finish(&outcome);
        outcomes.push(outcome);
    }
}

/// Connects to one database and runs the operation on it. A held lock is reported at once and
/// then waited for as the runner is configured: the run says which databases another run was
/// migrating, and still never applies a revision twice.
async fn run_one<O: Operation>(shared: &Shared<'_, O>, index: usize) -> OutcomeOf<O> {
    let started = Instant::now();
    let database = &shared.fleet.databases[index];
    let timeout = shared.fleet.connect_timeout;
    let url = database.url().clone().bounded(timeout);
    let outcome = |result, changed, waited_for_lock| DatabaseOutcome {
        index,
        name: database.name().to_owned(),
        result,
        changed,
        waited_for_lock,
        elapsed: started.elapsed(),
    };
    let mut client = match tokio::time::timeout(timeout, url.connect_async()).await {
        Ok(Ok(client)) => client,
        Ok(Err(error)) => return outcome(Err(Problem::Unreachable(error)), false, false),
        Err(_) => {
            let error = no_answer(&url, timeout);
            return outcome(Err(Problem::Unreachable(error)), false, false);
        }
    };
    let operation = shared.operation;
    let mut result = operation.run(shared.eager, &mut client).await;
    let mut waited = false;
    if let Err(error) = &result
        && operation.lock_busy(error)
    {
        waited = true;
        if shared.patient.lock_timeout() > Duration::ZERO {
            result = operation.run(shared.patient, &mut client).await;
        }
    }
    let result = match result {
        Ok(output) => {
            let changed = operation.changed(&output);
            return outcome(Ok(output), changed, waited);
        }
        Err(error) if operation.lock_busy(&error) => Err(Problem::Busy(error)),
        Err(error) if operation.connection_lost(&error) => Err(Problem::Disconnected(error)),
        Err(error) => {
            let position = operation
                .position_after_failure(shared.patient, &mut client)
                .await;
            Err(Problem::Failed { error, position })
        }
    };
    outcome(result, false, waited)
}
