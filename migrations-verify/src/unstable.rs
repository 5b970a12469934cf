//! Why an up that ran twice on the same schema built two different ones: the note of an
//! `unstable` revision, naming each object and, where only a date or time differs, saying so.

use crate::diff::SchemaChange;

/// The note for the differences up again made, each object on its own line.
pub(crate) fn explain(changes: &[SchemaChange]) -> String {
    let mut lines = vec![
        "the down restores the schema exactly, but the up, run again on that same schema, built another one: a definition fixed when it is created cannot be reproduced. Later revisions are compared with the schema up again built.".to_owned(),
    ];
    for change in changes {
        let line = match change {
            SchemaChange::Changed { kind, name, .. } if only_times_differ(change) => format!(
                "{kind} {name} embeds the time it was created (a `now()`, `'now'` or `current_date` folded into its definition): recreate it from a function called at run time, or accept that its text changes"
            ),
            SchemaChange::Changed { kind, name, .. } => format!(
                "{kind} {name} gets another definition each time the up runs (random values, data or the time of day in it)"
            ),
            SchemaChange::Added { kind, name, .. } => {
                format!("{kind} {name} exists only after up again")
            }
            SchemaChange::Removed { kind, name, .. } => {
                format!("{kind} {name} exists only after the first up")
            }
        };
        lines.push(line);
    }
    lines.join("\n")
}

/// True for a definition that differs only in its dates and times.
pub(crate) fn only_times_differ(change: &SchemaChange) -> bool {
    matches!(change, SchemaChange::Changed { before, after, .. } if mask_times(before) == mask_times(after))
}

/// `text` with each date (`2026-12-03`), time (`06:45:12.123456`) and zone offset after a time
/// (`+00`, `+05:30`) replaced by `#`. Written by hand: three fixed shapes need no regex engine.
pub(crate) fn mask_times(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let length = shape_at(bytes, i, b"dddd-dd-dd").or_else(|| time_at(bytes, i));
        match length {
            Some(length) => {
                out.push('#');
                i += length;
            }
            None => {
                let c = text[i..].chars().next().unwrap_or_default();
                out.push(c);
                i += c.len_utf8().max(1);
            }
        }
    }
    out
}

/// The length of `shape` (`d` a digit, anything else itself) at `i`, when it matches there.
fn shape_at(bytes: &[u8], i: usize, shape: &[u8]) -> Option<usize> {
    let candidate = bytes.get(i..i + shape.len())?;
    let matches = candidate.iter().zip(shape).all(|(&b, &s)| match s {
        b'd' => b.is_ascii_digit(),
        s => b == s,
    });
    let after_digit = i > 0 && bytes[i - 1].is_ascii_digit();
    (matches && !after_digit).then_some(shape.len())
}

/// A time of day with its fraction of a second and its zone offset, when there is one at `i`.
fn time_at(bytes: &[u8], i: usize) -> Option<usize> {
    let mut length = shape_at(bytes, i, b"dd:dd:dd")?;
    let digits_from = |from: usize| {
        bytes[from.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    if bytes.get(i + length) == Some(&b'.') {
        length += 1 + digits_from(i + length + 1);
    }
    if matches!(bytes.get(i + length), Some(b'+' | b'-')) {
        let hours = digits_from(i + length + 1);
        if hours == 2 {
            length += 3;
            if bytes.get(i + length) == Some(&b':') && digits_from(i + length + 1) == 2 {
                length += 3;
            }
        }
    }
    Some(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_offsets_are_masked() {
        for (text, masked) in [
            (
                "SELECT '2026-12-03 06:45:12.123456'::timestamp without time zone AS t",
                "SELECT '# #'::timestamp without time zone AS t",
            ),
            (
                "'2026-12-03 06:45:12+00'::timestamptz",
                "'# #'::timestamptz",
            ),
            ("'2026-12-03T06:45:12.5+05:30'", "'#T#'"),
            ("'2026-12-03'::date", "'#'::date"),
            ("id - 2026-12-03", "id - #"),
            ("version 12026-12-03 stays", "version 12026-12-03 stays"),
            (
                "12:30 is not a time, 1:02:03 neither",
                "12:30 is not a time, 1:02:03 neither",
            ),
        ] {
            assert_eq!(mask_times(text), masked, "{text}");
        }
    }
}
