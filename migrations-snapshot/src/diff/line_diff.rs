//! The lines that differ between two definitions, found through their longest common subsequence.

use std::fmt;

/// A line only in the before definition, or only in the after definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineChange<'a> {
    Removed(&'a str),
    Added(&'a str),
}

impl fmt::Display for LineChange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineChange::Removed(line) => write!(f, "- {line}"),
            LineChange::Added(line) => write!(f, "+ {line}"),
        }
    }
}

/// Above this many cells the table of common subsequence lengths is not built and the differing
/// middle parts are reported whole: such definitions are rare, and the report stays correct.
const MAX_TABLE_CELLS: usize = 4_000_000;

/// The removed and added lines in order; within a run of differing lines, removals come first.
pub(crate) fn changed_lines<'a>(before: &'a str, after: &'a str) -> Vec<LineChange<'a>> {
    let before: Vec<&str> = before.lines().collect();
    let after: Vec<&str> = after.lines().collect();
    let prefix = before
        .iter()
        .zip(&after)
        .take_while(|(old, new)| old == new)
        .count();
    let suffix = before[prefix..]
        .iter()
        .rev()
        .zip(after[prefix..].iter().rev())
        .take_while(|(old, new)| old == new)
        .count();
    let old = &before[prefix..before.len() - suffix];
    let new = &after[prefix..after.len() - suffix];

    let mut changes = Vec::new();
    if (old.len() + 1).saturating_mul(new.len() + 1) > MAX_TABLE_CELLS {
        changes.extend(old.iter().map(|line| LineChange::Removed(line)));
        changes.extend(new.iter().map(|line| LineChange::Added(line)));
        return changes;
    }

    // common[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    let width = new.len() + 1;
    let mut common = vec![0_u32; (old.len() + 1) * width];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i * width + j] = if old[i] == new[j] {
                common[(i + 1) * width + j + 1] + 1
            } else {
                common[(i + 1) * width + j].max(common[i * width + j + 1])
            };
        }
    }

    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            changes.append(&mut removed);
            changes.append(&mut added);
            i += 1;
            j += 1;
        } else if j == new.len()
            || (i < old.len() && common[(i + 1) * width + j] >= common[i * width + j + 1])
        {
            removed.push(LineChange::Removed(old[i]));
            i += 1;
        } else {
            added.push(LineChange::Added(new[j]));
            j += 1;
        }
    }
    changes.append(&mut removed);
    changes.append(&mut added);
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_differing_lines_are_reported_removals_first() {
        let cases: &[(&str, &str, &[LineChange<'_>])] = &[
            ("a\nb\nc", "a\nb\nc", &[]),
            (
                "a\nb\nc",
                "a\nx\nc",
                &[LineChange::Removed("b"), LineChange::Added("x")],
            ),
            ("a", "a\nb", &[LineChange::Added("b")]),
            ("a\nb", "b", &[LineChange::Removed("a")]),
            (
                "BEGIN\n  x := 1;\n  y := 2;\nEND",
                "BEGIN\n  y := 2;\n  z := 3;\nEND",
                &[
                    LineChange::Removed("  x := 1;"),
                    LineChange::Added("  z := 3;"),
                ],
            ),
            (
                "a\nb\nc\nd",
                "x\nb\ny\nd",
                &[
                    LineChange::Removed("a"),
                    LineChange::Added("x"),
                    LineChange::Removed("c"),
                    LineChange::Added("y"),
                ],
            ),
            ("", "a", &[LineChange::Added("a")]),
        ];
        for (before, after, expected) in cases {
            assert_eq!(
                changed_lines(before, after),
                *expected,
                "{before:?} -> {after:?}"
            );
        }
    }
}
