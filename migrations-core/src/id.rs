//! `RevisionId`: the 12-digit `YYYYMMDDHHMM` number of a revision, and parsing it from text.

use std::fmt;

/// The 12-digit `YYYYMMDDHHMM` number that orders revisions and keys the history table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RevisionId(pub i64);

impl RevisionId {
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for RevisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

/// Parses a 12-digit revision id that is a valid UTC date and time.
pub fn parse_id(text: &str) -> Option<RevisionId> {
    let digits = text.get(..12)?;
    if !digits.bytes().all(|b| b.is_ascii_digit())
        || text.as_bytes().get(12).is_some_and(|&b| b != b'_')
    {
        return None;
    }
    check_timestamp(digits).ok()?;
    Some(parse_digits(digits))
}

pub(crate) fn parse_digits(digits: &str) -> RevisionId {
    RevisionId(
        digits
            .bytes()
            .fold(0i64, |n, b| n * 10 + i64::from(b - b'0')),
    )
}

/// Checks that 12 ASCII digits are a real `YYYYMMDDHHMM` date and time.
pub(crate) fn check_timestamp(digits: &str) -> Result<(), String> {
    let field = |range: std::ops::Range<usize>| -> u32 {
        digits[range]
            .bytes()
            .fold(0, |n, b| n * 10 + u32::from(b - b'0'))
    };
    let (year, month, day, hour, minute) = (
        field(0..4),
        field(4..6),
        field(6..8),
        field(8..10),
        field(10..12),
    );
    if year < 1970 {
        return Err(format!("year {year} is before 1970"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("month {month:02} does not exist"));
    }
    let days_in_month = match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days_in_month).contains(&day) {
        return Err(format!(
            "day {day:02} does not exist in {year:04}-{month:02}"
        ));
    }
    if hour > 23 {
        return Err(format!("hour {hour:02} does not exist"));
    }
    if minute > 59 {
        return Err(format!("minute {minute:02} does not exist"));
    }
    Ok(())
}
