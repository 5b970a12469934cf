//! The floor: the same SQL as the runner, sent the way a good hand-written loop would send it.
//!
//! One connection; per revision one transaction holding the revision's SQL and its history row,
//! sent as one simple query (`BEGIN; <sql>; INSERT …; COMMIT`), which is one round trip: no lock,
//! no history read, no checks, no error locations. This is the least any tool that commits once
//! per revision can do, and what the runner's figures are divided by.

use migrations_core::RevisionSet;
use migrations_core::history::DEFAULT_HISTORY_TABLE;

/// refinery's table, created the way refinery creates it.
fn create_history() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {DEFAULT_HISTORY_TABLE} (version int8 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255))"
    )
}

/// Applies every revision, oldest first.
pub fn upgrade(client: &mut postgres::Client, set: &RevisionSet) -> anyhow::Result<()> {
    client.batch_execute(&create_history())?;
    let applied_on = now_rfc3339();
    for revision in set.revisions() {
        let batch = format!(
            "BEGIN;\n{};\nINSERT INTO {DEFAULT_HISTORY_TABLE} (version, name, applied_on, checksum) VALUES ({}, '{}', '{applied_on}', '{}');\nCOMMIT",
            revision.up().sql(),
            revision.id().get(),
            revision.slug(),
            revision.checksum()
        );
        client.batch_execute(&batch)?;
    }
    Ok(())
}

/// Reverts every revision, newest first.
pub fn downgrade(client: &mut postgres::Client, set: &RevisionSet) -> anyhow::Result<()> {
    for revision in set.revisions().iter().rev() {
        let batch = format!(
            "BEGIN;\n{};\nDELETE FROM {DEFAULT_HISTORY_TABLE} WHERE version = {};\nCOMMIT",
            revision.down().sql(),
            revision.id().get()
        );
        client.batch_execute(&batch)?;
    }
    Ok(())
}

/// The current time as refinery writes it; fixed for a run, as the floor does no tool logic.
fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The calendar date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
