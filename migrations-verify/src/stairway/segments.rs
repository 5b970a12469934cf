//! The stairway in contiguous segments, each on a database of its own that went up (ups only) to
//! the segment's start: `--jobs N` walks them at once, `--shard K/N` walks one. A segment's verdicts are the ones a single walk gives, because a single walk, too,
//! compares each revision with a snapshot of the database it runs on; what a single walk would
//! skip after a failure without `--keep-going` is skipped here when the reports come together.

use std::ops::Range;
use std::sync::Mutex;

use super::{Counter, Stair, Verifier, VerifyError};
use crate::progress::Progress;
use crate::report::{RevisionResult, VerifyReport};

/// `positions` cut into `count` contiguous ranges of nearly equal cost (empty ones when there are
/// fewer positions than segments). A revision's snapshots grow with the schema before it, so a
/// revision costs more the later it comes: position `p` of `n` weighs `n + 2p`, three times the
/// first at the end.
pub(crate) fn segments(positions: Range<usize>, count: usize) -> Vec<Range<usize>> {
    let length = positions.len();
    let count = count.max(1);
    let weight = |offset: usize| length + 2 * offset;
    let total: usize = (0..length).map(weight).sum();
    let mut bounds = vec![positions.start];
    let mut sum = 0;
    let mut next = 1;
    for offset in 0..length {
        sum += weight(offset);
        while next < count && sum * count >= total * next {
            bounds.push(positions.start + offset + 1);
            next += 1;
        }
    }
    while bounds.len() < count {
        bounds.push(positions.end);
    }
    bounds.push(positions.end);
    bounds.windows(2).map(|w| w[0]..w[1]).collect()
}

/// Walks the segments `verifier.options` asks for; returns the database at head when the last
/// segment was walked and reached it.
pub(super) fn walk_segments(
    verifier: &mut Verifier<'_>,
    start: usize,
    report: &mut VerifyReport,
    progress: &mut (dyn Progress + Send),
) -> Result<Option<Stair>, VerifyError> {
    let options = verifier.options;
    let end = verifier.set.revisions().len();
    let count = options.shard.map_or(options.jobs, |shard| shard.count);
    let all = segments(start..end, count);
    let chosen: Vec<usize> = match options.shard {
        Some(shard) => vec![shard.index - 1],
        None => (0..all.len()).collect(),
    };
    let total = chosen.iter().map(|&i| all[i].len()).sum();

    // The first segment's database is the stairway's; a later one is built in its own thread (ups
    // only), so that every walk starts at once.
    let mut stairs = Vec::new();
    for &i in &chosen {
        stairs.push(
            (all[i].start == start)
                .then(|| verifier.start_stair(start))
                .transpose()?,
        );
    }

    let shared = Mutex::new(progress);
    let mut first = 0;
    let mut walks = Vec::new();
    for (&i, stair) in chosen.iter().zip(stairs) {
        walks.push((all[i].clone(), Counter { first, total }, stair));
        first += all[i].len();
    }
    let (set, server) = (verifier.set, verifier.server);
    let outcomes = std::thread::scope(|scope| {
        let handles: Vec<_> = walks
            .into_iter()
            .map(|(positions, counter, stair)| {
                let shared = &shared;
                scope.spawn(move || -> Result<Walked, VerifyError> {
                    let mut walker = Verifier::new(set, server, options);
                    let mut part = walker.empty_report();
                    let stair = match stair {
                        Some(stair) => Some(stair),
                        None => walker.fresh_stair(positions.start)?.ok(),
                    };
                    let Some(stair) = stair else {
                        // An up before the segment fails: the walk that holds it says so.
                        part.revisions = set.revisions()[positions]
                            .iter()
                            .map(|r| RevisionResult::skipped(r.name()))
                            .collect();
                        return Ok(Walked {
                            part,
                            at_end: None,
                            walker_time: walker.snapshot_time,
                            walker_count: walker.snapshot_count,
                        });
                    };
                    let mut progress = Relay(shared);
                    let at_end =
                        walker.walk(stair, positions, counter, &mut part, &mut progress)?;
                    Ok(Walked {
                        part,
                        at_end,
                        walker_time: walker.snapshot_time,
                        walker_count: walker.snapshot_count,
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| match handle.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect::<Vec<_>>()
    });

    let mut at_head = None;
    let last = chosen.last().copied() == Some(all.len() - 1);
    let count = outcomes.len();
    for (n, outcome) in outcomes.into_iter().enumerate() {
        let walked = outcome?;
        verifier.snapshot_time += walked.walker_time;
        verifier.snapshot_count += walked.walker_count;
        report.revisions.extend(walked.part.revisions);
        report.checks.extend(walked.part.checks);
        if last && n + 1 == count {
            at_head = walked.at_end;
        }
    }
    if !options.keep_going && skip_after_first_failure(&mut report.revisions) {
        at_head = None;
    }
    Ok(at_head)
}

/// What a segment's walk found.
struct Walked {
    part: VerifyReport,
    at_end: Option<Stair>,
    walker_time: std::time::Duration,
    walker_count: usize,
}

/// Marks every revision after the first failing one as skipped, as a single walk without
/// `--keep-going` leaves them; true when there was a failure.
pub(crate) fn skip_after_first_failure(revisions: &mut [RevisionResult]) -> bool {
    let Some(first) = revisions
        .iter()
        .position(|r| !r.ok() && r.up != crate::report::StepStatus::Skipped)
    else {
        return false;
    };
    for revision in &mut revisions[first + 1..] {
        *revision = RevisionResult::skipped(&revision.revision);
    }
    true
}

/// Passes a segment's progress to the run's, one report at a time.
struct Relay<'m, 'p>(&'m Mutex<&'p mut (dyn Progress + Send)>);

impl Progress for Relay<'_, '_> {
    fn revision_started(&mut self, revision: &str, index: usize, total: usize) {
        if let Ok(mut progress) = self.0.lock() {
            progress.revision_started(revision, index, total);
        }
    }

    fn revision_finished(&mut self, result: &RevisionResult, index: usize, total: usize) {
        if let Ok(mut progress) = self.0.lock() {
            progress.revision_finished(result, index, total);
        }
    }

    fn check_started(&mut self, check: &str) {
        if let Ok(mut progress) = self.0.lock() {
            progress.check_started(check);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_the_range_in_order() {
        assert_eq!(segments(1..11, 3), [1..6, 6..9, 9..11]);
        assert_eq!(segments(0..100, 2), [0..62, 62..100]);
        for (range, count) in [(0..2, 4), (5..5, 2), (3..40, 5)] {
            let parts = segments(range.clone(), count);
            assert_eq!(parts.len(), count);
            assert_eq!(parts[0].start, range.start);
            assert_eq!(parts[count - 1].end, range.end);
            assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
        }
    }
}
