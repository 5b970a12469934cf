//! A fleet for one test: servers, databases on each, the list file naming them, the `migrate`
//! command line over it, and what each database holds afterwards.

use std::path::PathBuf;
use std::process::Command;

use migrations_tests::{Run, fixture_dir, migrate_command, run};

use crate::servers::{Server, Servers};

pub const FIXTURE_MIGRATE: &str = env!("CARGO_BIN_EXE_fixture-migrate");

/// The fixture's revisions after the baseline, by slug, oldest first.
pub const REVISIONS: [&str; 4] = [
    "create_accounts",
    "add_plan",
    "unique_email",
    "add_invoices",
];

/// One database of the fleet: its server's index and its name.
#[derive(Clone, Debug)]
pub struct Member {
    pub server: usize,
    pub database: String,
}

pub struct TestFleet {
    pub servers: Servers,
    /// In the list's order: the databases of `s1`, then of `s2`, …
    pub members: Vec<Member>,
    dir: tempfile::TempDir,
}

impl TestFleet {
    /// `servers` servers with the databases `tenant_1` … `tenant_<per_server>` on each.
    pub fn start(servers: usize, per_server: usize) -> TestFleet {
        let servers = Servers::start(servers);
        let mut members = Vec::new();
        for (index, server) in servers.servers.iter().enumerate() {
            let mut admin = server.connect("postgres");
            for n in 1..=per_server {
                let database = format!("tenant_{n}");
                admin
                    .batch_execute(&format!("CREATE DATABASE {database}"))
                    .unwrap_or_else(|e| panic!("create {}/{database}: {e}", server.name));
                members.push(Member {
                    server: index,
                    database,
                });
            }
        }
        let fleet = TestFleet {
            servers,
            members,
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        fleet.write_list();
        fleet
    }

    pub fn server(&self, member: &Member) -> &Server {
        &self.servers.servers[member.server]
    }

    /// The list file: a comment, then a URL per database, with the servers' current addresses.
    pub fn list(&self) -> PathBuf {
        self.dir.path().join("tenants.txt")
    }

    pub fn write_list(&self) {
        let mut text = String::from("# one database per tenant\n");
        for member in &self.members {
            text.push_str(&self.server(member).url(&member.database));
            text.push('\n');
        }
        std::fs::write(self.list(), text).expect("write the list");
    }

    /// `migrate ARGS --databases <list>` over the fleet fixture.
    pub fn command(&self, args: &[&str]) -> Command {
        let list = self.list();
        let mut command = migrate_command(FIXTURE_MIGRATE, Some(&fixture_dir("fleet")), None, args);
        command.arg("--databases").arg(list);
        command
    }

    pub fn migrate(&self, args: &[&str]) -> Run {
        let outcome = run(&mut self.command(args));
        assert!(
            !outcome.output().contains(crate::servers::PASSWORD),
            "the password is printed:\n{}",
            outcome.output()
        );
        outcome
    }

    /// Output with each server's address as its name, and every duration, process id and
    /// client address as a placeholder.
    pub fn normalise(&self, text: &str) -> String {
        let mut text = text.to_owned();
        let mut servers: Vec<&Server> = self.servers.servers.iter().collect();
        servers.sort_by_key(|server| std::cmp::Reverse(server.address().to_string().len()));
        for server in servers {
            let address = server.address().to_string();
            text = text
                .replace(&format!("{address}:5432"), &server.name)
                .replace(&address, &server.name);
        }
        placeholders(&text)
    }

    /// The slugs of the revisions applied to a database, oldest first.
    pub fn history(&self, member: &Member) -> Vec<String> {
        let mut client = self.server(member).connect(&member.database);
        let exists = client
            .query_one(
                "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
                &[],
            )
            .expect("look for the history table")
            .get::<_, bool>(0);
        if !exists {
            return Vec::new();
        }
        client
            .query(
                "SELECT name FROM refinery_schema_history ORDER BY version",
                &[],
            )
            .expect("read the history")
            .iter()
            .map(|row| row.get(0))
            .filter(|name: &String| name != "baseline")
            .collect()
    }

    /// What a database's schema and counter hold, checked against its history: each revision
    /// is either wholly there, with its history row and its single counter row, or not at all.
    pub fn assert_whole_revisions(&self, member: &Member) -> usize {
        let history = self.history(member);
        let mut client = self.server(member).connect(&member.database);
        let mut present = |sql: &str| -> bool {
            client
                .query_one(sql, &[])
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .get(0)
        };
        let schema = [
            present("SELECT to_regclass('accounts') IS NOT NULL"),
            present(
                "SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'plan')",
            ),
            present("SELECT to_regclass('accounts_email_key') IS NOT NULL"),
            present("SELECT to_regclass('invoices') IS NOT NULL"),
        ];
        let applied: Vec<bool> = REVISIONS
            .iter()
            .map(|slug| history.iter().any(|name| name == slug))
            .collect();
        let at = format!("{}/{}", self.server(member).name, member.database);
        assert_eq!(
            schema.to_vec(),
            applied,
            "{at}: the schema does not match the history {history:?}"
        );
        let counted: Vec<String> = match schema[0] {
            true => client
                .query("SELECT revision FROM applications ORDER BY applied_at", &[])
                .expect("read the counter")
                .iter()
                .map(|row| row.get(0))
                .collect(),
            false => Vec::new(),
        };
        assert_eq!(counted, history, "{at}: each revision once, in order");
        history.len()
    }
}

/// The lines of a run's per-database part sorted (databases finish in any order with several
/// jobs), the rest as it is.
pub fn sorted_lines(text: &str) -> String {
    let (lines, rest) = text.split_once("\n\n").unwrap_or((text, ""));
    // A database's continuation lines stay with its line.
    let mut entries: Vec<String> = Vec::new();
    for line in lines.lines() {
        match entries.last_mut() {
            Some(entry) if line.starts_with("    ") => {
                entry.push('\n');
                entry.push_str(line);
            }
            _ => entries.push(line.to_owned()),
        }
    }
    entries.sort();
    format!("{}\n\n{rest}", entries.join("\n"))
}

/// Durations (`12 ms`, `1.5 s`) as `<t>`, `pid 123` as `pid <n>`, a client address as `<where>`.
pub fn placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let boundary = !rest[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        let end = rest[start..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map_or(rest.len(), |i| start + i);
        let after = &rest[end..];
        let unit = ["ms", "s"].into_iter().find(|unit| {
            after
                .strip_prefix(' ')
                .and_then(|a| a.strip_prefix(unit))
                .is_some_and(|a| !a.starts_with(|c: char| c.is_alphanumeric()))
        });
        out.push_str(&rest[..start]);
        match unit {
            Some(unit) if boundary => {
                out.push_str("<t>");
                rest = &after[1 + unit.len()..];
            }
            _ => {
                out.push_str(&rest[start..end]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let mut out = replace_after(&out, "pid ", |c| c.is_ascii_digit(), "<n>");
    out = replace_after(&out, "client ", |c| c != ')', "<where>");
    out
}

/// Every run of characters satisfying `keep` right after `marker`, replaced by `with`.
fn replace_after(text: &str, marker: &str, keep: impl Fn(char) -> bool, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let start = at + marker.len();
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find(|c: char| !keep(c))
            .map_or(rest.len(), |i| start + i);
        out.push_str(with);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn placeholders_replace_durations_pids_and_clients() {
    assert_eq!(
        placeholders(
            "a (12 ms, after 1.5 s waiting) b_2 s 3 ss (held by pid 42, client 10.0.0.1/32)"
        ),
        "a (<t>, after <t> waiting) b_2 s 3 ss (held by pid <n>, client <where>)"
    );
}
