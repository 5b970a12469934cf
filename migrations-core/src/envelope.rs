//! The execution envelope: how long each revision's statements may wait for a lock, and run.
//!
//! An `ALTER TABLE` that waits behind a long query keeps its lock request queued, and every query
//! of the table queues behind it. A lock timeout makes the revision give up instead (the runner
//! then retries it); it is set at the start of each revision's transaction with `SET LOCAL`, and
//! for a non-transactional revision with `SET` before its statements (the session reset after it
//! undoes that).

use std::time::Duration;

/// The default lock timeout of a revision's statements.
pub const DEFAULT_STATEMENT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// The timeouts a runner applies to every revision that does not set its own in its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// `lock_timeout`; zero turns it off.
    pub lock_timeout: Duration,
    /// `statement_timeout`; `None` leaves the session's, zero turns it off.
    pub statement_timeout: Option<Duration>,
}

impl Default for Envelope {
    fn default() -> Envelope {
        Envelope {
            lock_timeout: DEFAULT_STATEMENT_LOCK_TIMEOUT,
            statement_timeout: None,
        }
    }
}

impl Envelope {
    /// The `SET` statements a unit starts with, a revision's own header values winning.
    pub fn statements(
        &self,
        lock_timeout: Option<Duration>,
        statement_timeout: Option<Duration>,
        transactional: bool,
    ) -> Vec<String> {
        let set = if transactional { "SET LOCAL" } else { "SET" };
        let lock = lock_timeout.unwrap_or(self.lock_timeout);
        let mut statements = vec![format!("{set} lock_timeout = {}", setting(lock))];
        if let Some(timeout) = statement_timeout.or(self.statement_timeout) {
            statements.push(format!("{set} statement_timeout = {}", setting(timeout)));
        }
        statements
    }
}

/// A duration as PostgreSQL's time settings read it, in its largest whole unit: `0`, `'5s'`,
/// `'2min'`, `'250ms'`.
pub fn setting(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis == 0 {
        return "0".to_owned();
    }
    let (unit, size) = [("h", 3_600_000), ("min", 60_000), ("s", 1000), ("ms", 1)]
        .into_iter()
        .find(|(_, size)| millis.is_multiple_of(*size))
        .unwrap_or(("ms", 1));
    format!("'{}{unit}'", millis / size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_win_and_zero_turns_a_timeout_off() {
        let envelope = Envelope::default();
        assert_eq!(
            envelope.statements(None, None, true),
            ["SET LOCAL lock_timeout = '5s'"]
        );
        assert_eq!(
            envelope.statements(
                Some(Duration::ZERO),
                Some(Duration::from_millis(1500)),
                false
            ),
            ["SET lock_timeout = 0", "SET statement_timeout = '1500ms'"]
        );
        let strict = Envelope {
            lock_timeout: Duration::from_millis(250),
            statement_timeout: Some(Duration::from_secs(60)),
        };
        assert_eq!(
            strict.statements(Some(Duration::from_secs(30)), None, true),
            [
                "SET LOCAL lock_timeout = '30s'",
                "SET LOCAL statement_timeout = '1min'"
            ]
        );
    }
}
