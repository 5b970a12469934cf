//! One report from the reports of the shards of a run (`--shard K/N` on several machines): the
//! verdicts a single run gives.

use crate::report::{LINT_CHECK, StepStatus, VerifyReport};
use crate::stairway::segments::skip_after_first_failure;

/// Shard reports that do not make one run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    #[error("{file} is the report of a whole run, not of a shard: run verify with --shard K/N")]
    NotAShard { file: String },
    #[error(
        "{file} is shard {index} of {count}, the first report's is of {expected}: merge the shards of one run"
    )]
    OtherRun {
        file: String,
        index: usize,
        count: usize,
        expected: usize,
    },
    #[error("shard {index} of {count} is given twice ({first} and {second})")]
    Twice {
        index: usize,
        count: usize,
        first: String,
        second: String,
    },
    #[error("shard {index} of {count} is missing: give all {count} reports")]
    Missing { index: usize, count: usize },
    #[error(
        "{file} ran on PostgreSQL {found}, the first report on {expected}: merge the shards of one run, on one version"
    )]
    OtherVersion {
        file: String,
        found: String,
        expected: String,
    },
    #[error("no reports to merge")]
    Nothing,
}

/// Merges the reports of every shard of one run, each named by its file.
pub fn merge(reports: Vec<(String, VerifyReport)>) -> Result<VerifyReport, MergeError> {
    let Some((_, first)) = reports.first() else {
        return Err(MergeError::Nothing);
    };
    let version = first.server_version.clone();
    let Some(expected) = first.shard.map(|s| s.count) else {
        return Err(MergeError::NotAShard {
            file: reports[0].0.clone(),
        });
    };
    let mut slots: Vec<Option<(String, VerifyReport)>> = (0..expected).map(|_| None).collect();
    for (file, report) in reports {
        let Some(shard) = report.shard else {
            return Err(MergeError::NotAShard { file });
        };
        if report.server_version != version {
            return Err(MergeError::OtherVersion {
                file,
                found: report.server_version,
                expected: version,
            });
        }
        if shard.count != expected || shard.index == 0 || shard.index > expected {
            return Err(MergeError::OtherRun {
                file,
                index: shard.index,
                count: shard.count,
                expected,
            });
        }
        if let Some((first, _)) = &slots[shard.index - 1] {
            return Err(MergeError::Twice {
                index: shard.index,
                count: expected,
                first: first.clone(),
                second: file,
            });
        }
        slots[shard.index - 1] = Some((file, report));
    }
    let mut shards = Vec::with_capacity(expected);
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some((_, report)) => shards.push(report),
            None => {
                return Err(MergeError::Missing {
                    index: i + 1,
                    count: expected,
                });
            }
        }
    }
    let mut merged = shards[0].clone();
    merged.shard = None;
    merged.revisions.clear();
    merged.checks.clear();
    let (mut elapsed, mut snapshots, mut count) = (Default::default(), Default::default(), 0);
    for shard in shards {
        // Shards run side by side: the run takes as long as the slowest.
        elapsed = shard.totals.elapsed.max(elapsed);
        snapshots += shard.totals.snapshots;
        count += shard.totals.snapshot_count;
        merged.revisions.extend(shard.revisions);
        merged.checks.extend(shard.checks);
    }
    if !merged.keep_going && skip_after_first_failure(&mut merged.revisions) {
        for check in merged.checks.iter_mut().filter(|c| c.check != LINT_CHECK) {
            check.status = StepStatus::Skipped;
            check.diff.clear();
            check.error = Some("not run: the stairway did not reach the head".to_owned());
        }
    }
    merged.tally(elapsed, snapshots, count);
    Ok(merged)
}
