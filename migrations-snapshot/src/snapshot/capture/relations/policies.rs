//! Row-level-security policies, written as `CREATE POLICY` writes them.

use std::collections::HashMap;

use postgres::types::Type;

use super::super::{Catalog, Columns, Objects, query};
use super::{Relation, member_name};
use crate::snapshot::definition::Definition;
use crate::snapshot::error::SnapshotError;
use crate::snapshot::object::ObjectKind;

pub(super) async fn read<C: Catalog>(
    catalog: &mut C,
    oids: &[u32],
    relations: &HashMap<u32, Relation>,
    objects: &mut Objects,
) -> Result<(), SnapshotError> {
    let what = "row-level-security policies";
    for row in query(
        catalog,
        what,
        include_str!("../../queries/policies.sql"),
        &[(&oids, Type::OID_ARRAY)],
    )
    .await?
    {
        let row = Columns::new(&row, what);
        let Some(name) = member_name(relations, &row)? else {
            continue;
        };
        let command = match row.get::<&str>("command")? {
            "r" => "SELECT",
            "a" => "INSERT",
            "w" => "UPDATE",
            "d" => "DELETE",
            _ => "ALL",
        };
        let permissive = if row.get::<bool>("permissive")? {
            "PERMISSIVE"
        } else {
            "RESTRICTIVE"
        };
        let mut line = format!(
            "AS {permissive} FOR {command} TO {}",
            row.get::<Vec<String>>("roles")?.join(", ")
        );
        if let Some(expression) = row.get::<Option<&str>>("using_expression")? {
            line.push_str(&format!(" USING {}", parenthesized(expression)));
        }
        if let Some(expression) = row.get::<Option<&str>>("with_check_expression")? {
            line.push_str(&format!(" WITH CHECK {}", parenthesized(expression)));
        }
        let definition = Definition::new()
            .line(line)
            .comment(row.get("comment")?)
            .finish();
        objects.add(ObjectKind::Policy, name, definition);
    }
    Ok(())
}

/// An expression in parentheses, as `CREATE POLICY` writes it, without doubling those the server
/// already printed around it.
fn parenthesized(expression: &str) -> String {
    if wrapped_in_parentheses(expression) {
        expression.to_owned()
    } else {
        format!("({expression})")
    }
}

/// Whether the first character opens a parenthesis that the last character closes; parentheses
/// inside quoted literals and identifiers do not count.
fn wrapped_in_parentheses(expression: &str) -> bool {
    if !expression.starts_with('(') || !expression.ends_with(')') {
        return false;
    }
    let mut depth = 0_usize;
    let mut quote: Option<char> = None;
    for (index, character) in expression.char_indices() {
        match (quote, character) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(character),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return index == expression.len() - 1;
                }
            }
            (None, _) => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_expressions_get_one_pair_of_parentheses() {
        let cases = [
            ("(id = 1)", "(id = 1)"),
            ("true", "(true)"),
            ("(a = 1) OR (b = 2)", "((a = 1) OR (b = 2))"),
            ("(name = ')(')", "(name = ')(')"),
            ("(\"odd)name\" = 1)", "(\"odd)name\" = 1)"),
            ("f(x)", "(f(x))"),
        ];
        for (expression, expected) in cases {
            assert_eq!(parenthesized(expression), expected, "{expression}");
        }
    }
}
