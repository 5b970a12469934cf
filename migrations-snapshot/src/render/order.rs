//! The order of the blocks: each after the blocks whose objects it names, otherwise by phase, kind
//! and name, so that a new object moves no other block.
//!
//! The catalog functions print every object of a user schema with its schema (the snapshot is read
//! with `search_path` set to `pg_catalog`), so a qualified name in a block's SQL is a reference;
//! a name that is only mentioned (in a string, say) orders too, which is harmless. Should the
//! references form a cycle, the first block by phase, kind and name goes first.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use super::text::{name_parts, prefix};
use super::{Block, Phase};
use crate::snapshot::ObjectKind;

pub(super) fn sorted(blocks: Vec<Block>) -> Vec<Block> {
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, block) in blocks.iter().enumerate() {
        let name = match block.kind {
            // Referenced by name, whichever overload it is.
            ObjectKind::Function | ObjectKind::Procedure | ObjectKind::Aggregate => block
                .name
                .split_once('(')
                .map_or(block.name.clone(), |(name, _)| name.to_owned()),
            _ => block.name.clone(),
        };
        by_name.entry(name).or_default().push(index);
        // A key's index is named like the key, in the table's schema.
        if block.kind == ObjectKind::Constraint && name_parts(&block.name).len() == 3 {
            let index_name = format!("{}.{}", prefix(&block.name, 1), name_parts(&block.name)[2]);
            by_name.entry(index_name).or_default().push(index);
        }
    }
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); blocks.len()];
    let mut waiting_for = vec![0_usize; blocks.len()];
    for (index, block) in blocks.iter().enumerate() {
        let mut names = qualified_names(&block.parsed_sql);
        names.extend(block.needs.iter().cloned());
        if name_parts(&block.name).len() > 1 {
            names.insert(prefix(&block.name, 1));
        }
        let needed: BTreeSet<usize> = names
            .iter()
            .filter_map(|name| by_name.get(name))
            .flatten()
            .copied()
            .filter(|needed| *needed != index)
            .collect();
        waiting_for[index] = needed.len();
        for needed in needed {
            dependents[needed].push(index);
        }
    }

    let key = |index: usize| -> (Phase, ObjectKind, String, usize) {
        let block = &blocks[index];
        (block.phase, block.kind, block.name.clone(), index)
    };
    let mut ready: BinaryHeap<Reverse<_>> = (0..blocks.len())
        .filter(|index| waiting_for[*index] == 0)
        .map(|index| Reverse(key(index)))
        .collect();
    let mut done = vec![false; blocks.len()];
    let mut order = Vec::with_capacity(blocks.len());
    while order.len() < blocks.len() {
        let next = match ready.pop() {
            Some(Reverse((.., index))) if !done[index] => index,
            Some(_) => continue,
            // A cycle: the first block left goes first.
            None => match (0..blocks.len())
                .filter(|i| !done[*i])
                .min_by_key(|i| key(*i))
            {
                Some(index) => index,
                None => break,
            },
        };
        done[next] = true;
        order.push(next);
        for dependent in &dependents[next] {
            waiting_for[*dependent] = waiting_for[*dependent].saturating_sub(1);
            if waiting_for[*dependent] == 0 && !done[*dependent] {
                ready.push(Reverse(key(*dependent)));
            }
        }
    }
    let mut slots: Vec<Option<Block>> = blocks.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|index| slots[index].take())
        .collect()
}

/// Every `a.b` of identifiers joined by a dot (`a.b.c` gives `a.b` and `b.c`), identifiers written
/// bare or in double quotes.
fn qualified_names(sql: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = sql.as_bytes();
    let mut chain: Vec<&str> = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let start = index;
        let identifier = if bytes[index] == b'"' {
            index += 1;
            while index < bytes.len() {
                if bytes[index] == b'"' {
                    if bytes.get(index + 1) == Some(&b'"') {
                        index += 2;
                        continue;
                    }
                    index += 1;
                    break;
                }
                index += 1;
            }
            true
        } else if bytes[index].is_ascii_alphabetic() || bytes[index] == b'_' {
            while index < bytes.len()
                && (bytes[index].is_ascii_alphanumeric() || matches!(bytes[index], b'_' | b'$'))
            {
                index += 1;
            }
            true
        } else {
            false
        };
        if identifier {
            chain.push(&sql[start..index]);
            if let [.., before, last] = chain.as_slice() {
                names.insert(format!("{before}.{last}"));
            }
            if bytes.get(index) == Some(&b'.') {
                index += 1;
                continue;
            }
        } else {
            // Not part of an identifier: a multi-byte character is skipped whole.
            index += sql[index..].chars().next().map_or(1, char::len_utf8);
        }
        chain.clear();
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_are_found_in_code_and_strings() {
        let names = qualified_names(
            "CREATE TABLE app.t (id bigint DEFAULT nextval('app.\"T seq\"'::regclass), x app.mood[], y numeric(3.5))",
        );
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(names, ["app.\"T seq\"", "app.mood", "app.t"]);
    }

    #[test]
    fn blocks_follow_what_they_name_then_phase_and_name() {
        let block = |kind, name: &str, phase, sql: &str| {
            let mut block = Block::new(kind, name, phase);
            block.push(sql);
            block
        };
        let blocks = vec![
            block(
                ObjectKind::Table,
                "app.b",
                Phase::Table,
                "CREATE TABLE app.b (x app.f_result)",
            ),
            block(
                ObjectKind::Table,
                "app.a",
                Phase::Table,
                "CREATE TABLE app.a ()",
            ),
            block(
                ObjectKind::Function,
                "app.f()",
                Phase::Routine,
                "RETURNS SETOF app.a",
            ),
            block(
                ObjectKind::Type,
                "app.f_result",
                Phase::Type,
                "CREATE TYPE app.f_result",
            ),
            block(
                ObjectKind::Schema,
                "app",
                Phase::Schema,
                "CREATE SCHEMA app",
            ),
        ];
        let names: Vec<String> = sorted(blocks).into_iter().map(|b| b.name).collect();
        assert_eq!(names, ["app", "app.f_result", "app.a", "app.f()", "app.b"]);
    }
}
