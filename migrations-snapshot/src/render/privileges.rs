//! Privileges as GRANT and REVOKE statements: what turns the privileges an object has when it is
//! created (or in a fresh database) into the ones the snapshot shows.

use std::collections::{BTreeMap, BTreeSet};

use migrations_core::history::quote_ident;

use super::text::{split_outside_quotes, unquote};

/// One `grantee=privileges/grantor` item; the grantee as written (`PUBLIC`, or an identifier).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AclItem {
    pub(crate) grantee: String,
    /// Privilege letters, each with whether it carries the grant option (`*`).
    pub(crate) privileges: BTreeMap<char, bool>,
}

/// Reads `a=r/b, PUBLIC=U/b` as the snapshot writes privileges.
pub(crate) fn parse_acl(list: &str) -> Vec<AclItem> {
    split_outside_quotes(list, ", ")
        .into_iter()
        .filter_map(parse_item)
        .collect()
}

fn parse_item(item: &str) -> Option<AclItem> {
    let (grantee, rest) = split_outside_quotes(item, "=")
        .split_first()
        .map(|(first, _)| (*first, &item[first.len() + 1..]))?;
    let letters = rest.rsplit_once('/').map_or(rest, |(letters, _)| letters);
    let mut privileges = BTreeMap::new();
    let mut characters = letters.chars().peekable();
    while let Some(letter) = characters.next() {
        let grant_option = characters.next_if_eq(&'*').is_some();
        privileges.insert(letter, grant_option);
    }
    Some(AclItem {
        grantee: grantee.to_owned(),
        privileges,
    })
}

/// The order GRANT lists privileges in: reading first, then `aclitemout`'s.
const PRIVILEGE_ORDER: &str = "rawdDxtmXUCcTsA";

/// The SQL name of a privilege letter (`aclitem`'s letters, as `aclitemout` prints them).
fn privilege_name(letter: char) -> &'static str {
    match letter {
        'r' => "SELECT",
        'a' => "INSERT",
        'w' => "UPDATE",
        'd' => "DELETE",
        'D' => "TRUNCATE",
        'x' => "REFERENCES",
        't' => "TRIGGER",
        'X' => "EXECUTE",
        'U' => "USAGE",
        'C' => "CREATE",
        'c' => "CONNECT",
        'T' => "TEMPORARY",
        'm' => "MAINTAIN",
        's' => "SET",
        'A' => "ALTER SYSTEM",
        _ => "ALL",
    }
}

/// The privileges the owner and PUBLIC get on a new object of a kind (`acldefault`), as letters.
/// MAINTAIN (`m`, PostgreSQL 17) counts as a default when the object has it.
pub(crate) struct Defaults {
    pub(crate) owner: &'static str,
    pub(crate) public: &'static str,
}

pub(crate) const TABLE: Defaults = Defaults {
    owner: "arwdDxt",
    public: "",
};
pub(crate) const SEQUENCE: Defaults = Defaults {
    owner: "rwU",
    public: "",
};
pub(crate) const ROUTINE: Defaults = Defaults {
    owner: "X",
    public: "X",
};
pub(crate) const TYPE: Defaults = Defaults {
    owner: "U",
    public: "U",
};
pub(crate) const SCHEMA: Defaults = Defaults {
    owner: "UC",
    public: "",
};
pub(crate) const NONE: Defaults = Defaults {
    owner: "",
    public: "",
};

impl Defaults {
    /// The items of a new object owned by `owner` (as the catalog names it).
    pub(crate) fn items(&self, owner: &str, actual: &[AclItem]) -> Vec<AclItem> {
        let item = |grantee: &str, letters: &str| AclItem {
            grantee: grantee.to_owned(),
            privileges: letters.chars().map(|letter| (letter, false)).collect(),
        };
        let mut items = Vec::new();
        if !self.owner.is_empty() {
            let mut owner_item = item(&quote_ident(owner), self.owner);
            let has_maintain = actual
                .iter()
                .any(|i| unquote(&i.grantee) == owner && i.privileges.contains_key(&'m'));
            if has_maintain && self.owner == TABLE.owner {
                owner_item.privileges.insert('m', false);
            }
            items.push(owner_item);
        }
        if !self.public.is_empty() {
            items.push(item("PUBLIC", self.public));
        }
        items
    }
}

/// Where statements go: `GRANT <privileges><column> ON <on> TO ...`, each after `prefix`.
pub(crate) struct Target<'a> {
    /// Before `GRANT`/`REVOKE`: empty, or `ALTER DEFAULT PRIVILEGES ... `.
    pub(crate) prefix: &'a str,
    /// e.g. `TABLE app.tenants`, `TABLES`.
    pub(crate) on: &'a str,
    /// A column's privileges name it after each privilege: ` (name)`.
    pub(crate) column: &'a str,
    /// The role that owns the object, as the catalog names it; its items are written for
    /// `CURRENT_USER` when it is `role`.
    pub(crate) owner: &'a str,
    /// The role that runs the file.
    pub(crate) role: &'a str,
}

/// The items by grantee (PUBLIC apart from a role of that name), with how the grantee is written.
fn by_grantee(items: &[AclItem]) -> BTreeMap<String, (String, BTreeMap<char, bool>)> {
    let mut map: BTreeMap<String, (String, BTreeMap<char, bool>)> = BTreeMap::new();
    for item in items {
        let key = if item.grantee == "PUBLIC" {
            "\0PUBLIC".to_owned()
        } else {
            unquote(&item.grantee)
        };
        map.entry(key)
            .or_insert_with(|| (item.grantee.clone(), BTreeMap::new()))
            .1
            .extend(item.privileges.iter().map(|(l, g)| (*l, *g)));
    }
    map
}

/// The statements that turn the privileges `from` into `to`, grantee by grantee (sorted), revokes
/// before grants.
pub(crate) fn statements(target: &Target<'_>, from: &[AclItem], to: &[AclItem]) -> Vec<String> {
    let (from, to) = (by_grantee(from), by_grantee(to));
    let grantees: BTreeSet<&String> = from.keys().chain(to.keys()).collect();
    let empty = (String::new(), BTreeMap::new());
    let mut statements = Vec::new();
    for grantee in grantees {
        let (before, after) = (
            &from.get(grantee).unwrap_or(&empty).1,
            &to.get(grantee).unwrap_or(&empty).1,
        );
        let written = if *grantee == target.role && unquote(target.owner) == target.role {
            "CURRENT_USER".to_owned()
        } else {
            to.get(grantee)
                .or(from.get(grantee))
                .map_or_else(String::new, |(w, _)| w.clone())
        };
        let revoked: Vec<char> = before
            .keys()
            .filter(|letter| !after.contains_key(letter))
            .copied()
            .collect();
        let option_revoked: Vec<char> = before
            .iter()
            .filter(|(letter, option)| **option && after.get(letter) == Some(&false))
            .map(|(letter, _)| *letter)
            .collect();
        let granted = |with_option: bool| -> Vec<char> {
            after
                .iter()
                .filter(|(letter, option)| {
                    **option == with_option
                        && before.get(letter).is_none_or(|had| !*had && with_option)
                })
                .map(|(letter, _)| *letter)
                .collect()
        };
        let names = |letters: &[char]| {
            let mut letters = letters.to_vec();
            letters.sort_by_key(|letter| PRIVILEGE_ORDER.find(*letter));
            letters
                .iter()
                .map(|letter| format!("{}{}", privilege_name(*letter), target.column))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (prefix, on) = (target.prefix, target.on);
        if !revoked.is_empty() {
            statements.push(format!(
                "{prefix}REVOKE {} ON {on} FROM {written};",
                names(&revoked)
            ));
        }
        if !option_revoked.is_empty() {
            statements.push(format!(
                "{prefix}REVOKE GRANT OPTION FOR {} ON {on} FROM {written};",
                names(&option_revoked)
            ));
        }
        let plain = granted(false);
        if !plain.is_empty() {
            statements.push(format!(
                "{prefix}GRANT {} ON {on} TO {written};",
                names(&plain)
            ));
        }
        let with_option = granted(true);
        if !with_option.is_empty() {
            statements.push(format!(
                "{prefix}GRANT {} ON {on} TO {written} WITH GRANT OPTION;",
                names(&with_option)
            ));
        }
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileges_turn_into_the_grants_and_revokes_between_them() {
        let actual = parse_acl("app_user=rw/me, \"Odd=Role\"=r*/me, me=arwdDxt/me");
        assert_eq!(actual[1].grantee, "\"Odd=Role\"");
        let target = Target {
            prefix: "",
            on: "TABLE app.t",
            column: "",
            owner: "me",
            role: "me",
        };
        let from = TABLE.items("me", &actual);
        assert_eq!(
            statements(&target, &from, &actual),
            [
                "GRANT SELECT ON TABLE app.t TO \"Odd=Role\" WITH GRANT OPTION;",
                "GRANT SELECT, UPDATE ON TABLE app.t TO app_user;",
            ]
        );
        let function = parse_acl("me=X/me");
        let target = Target {
            on: "FUNCTION app.f()",
            ..target
        };
        assert_eq!(
            statements(&target, &ROUTINE.items("me", &function), &function),
            ["REVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC;"]
        );
        let narrowed = parse_acl("me=r/me");
        assert_eq!(
            statements(
                &Target {
                    on: "TABLE app.t",
                    ..target
                },
                &from,
                &narrowed
            ),
            [
                "REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE app.t FROM CURRENT_USER;"
            ]
        );
    }
}
