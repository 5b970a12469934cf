//! `migrate --json` as a process: each command's document (fixed by the snapshots below, with the
//! times and durations that vary masked), the line per revision that `upgrade` and `downgrade`
//! print as each finishes, and errors as JSON on stderr with the exit codes of the text mode.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use expect_test::expect;
use migrations_tests::{Run, connect, database, fixture_dir, migrate_command, run};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    fixture_dir(name)
}

/// `fixture-migrate` on a fixture folder.
fn migrate(fixture_name: &str, url: Option<&str>, args: &[&str]) -> Run {
    run(&mut migrate_command(
        env!("CARGO_BIN_EXE_fixture-migrate"),
        Some(&fixture(fixture_name)),
        url,
        args,
    ))
}

/// Every line of `text` parsed as a JSON object: what `jq` reads.
fn objects(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| {
            let value: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            assert!(value.is_object(), "not an object: {line}");
            value
        })
        .collect()
}

/// An RFC 3339 time: `2025-11-12T14:00:00Z`, with a fraction of any length and `Z` or an offset.
fn is_rfc3339(text: &str) -> bool {
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let shape = |text: &str, pattern: &str| {
        text.len() == pattern.len()
            && text.bytes().zip(pattern.bytes()).all(|(c, p)| {
                if p == b'9' {
                    c.is_ascii_digit()
                } else {
                    c == p
                }
            })
    };
    let Some((date_time, rest)) = text.split_at_checked(19) else {
        return false;
    };
    let (fraction, offset) = match rest.strip_prefix('.') {
        Some(rest) => {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            (Some(&rest[..end]), &rest[end..])
        }
        None => (None, rest),
    };
    shape(date_time, "9999-99-99T99:99:99")
        && fraction.is_none_or(digits)
        && (offset == "Z" || shape(&offset.replace('-', "+"), "+99:99"))
}

/// The output with what varies from run to run masked: durations become `<ms>`, times `<time>`
/// (after checking they are RFC 3339).
fn masked(text: &str) -> String {
    let mut text = text.to_owned();
    for key in ["duration_ms", "elapsed_ms", "lock_wait_ms"] {
        text = mask_values(&text, key, |value| {
            assert!(value.bytes().all(|b| b.is_ascii_digit()), "{key}: {value}");
            "<ms>".to_owned()
        });
    }
    for key in ["applied_on", "since"] {
        text = mask_values(&text, key, |value| {
            let time = value.trim_matches('"');
            assert!(is_rfc3339(time), "{key} is no RFC 3339 time: {value}");
            "<time>".to_owned()
        });
    }
    text
}

/// `text` with each RFC 3339 time in it replaced by `<time>`.
fn without_times(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        // A run of the characters a time is made of, or else one character.
        let end = match rest.find(|c: char| !(c.is_ascii_digit() || "-:.TZ+".contains(c))) {
            Some(0) => rest.chars().next().map_or(1, char::len_utf8),
            Some(end) => end,
            None => rest.len(),
        };
        let (word, after) = rest.split_at(end);
        let time = word.trim_end_matches([':', '.', '-', '+']);
        if is_rfc3339(time) {
            out.push_str("<time>");
            out.push_str(&word[time.len()..]);
        } else {
            out.push_str(word);
        }
        rest = after;
    }
    out
}

/// Replaces each value of `"key":` (a number or a string; `null` stays) by `mask(value)`.
fn mask_values(text: &str, key: &str, mask: impl Fn(&str) -> String) -> String {
    let pattern = format!("\"{key}\":");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&pattern) {
        let (before, after) = rest.split_at(at + pattern.len());
        out.push_str(before);
        let end = if let Some(string) = after.strip_prefix('"') {
            string.find('"').map_or(after.len(), |i| i + 2)
        } else {
            after.find([',', '}']).unwrap_or(after.len())
        };
        let value = &after[..end];
        if value == "null" {
            out.push_str(value);
        } else {
            out.push_str(&mask(value));
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn current_history_pending_and_each_change_print_json() {
    let db = database();
    let url = Some(db.url().expose());
    let current = migrate("basic", url, &["current", "--json"]);
    assert_eq!(current.code, 0, "{}", current.stderr);
    assert_eq!(objects(&current.stdout).len(), 1, "one document");
    expect![[r#"
        {"revision":null,"head":{"id":"202511121420","name":"202511121420_add_events"},"applied":0,"pending":4,"repeatables_to_run":[],"dirty":null,"problems":[],"lock":{"key":"-324209984690458005","holder":null}}
    "#]]
    .assert_eq(&current.stdout);

    let upgrade = migrate("basic", url, &["upgrade", "+2", "--json"]);
    assert_eq!(upgrade.code, 0, "{}", upgrade.stderr);
    assert_eq!(
        objects(&upgrade.stdout).len(),
        3,
        "two steps and the summary"
    );
    assert_eq!(upgrade.stderr, "");
    expect![[r#"
        {"event":"step","kind":"upgrade","revision":{"id":"202511121302","name":"202511121302_baseline"},"repeatable":null,"label":"Running upgrade base -> 202511121302_baseline","duration_ms":<ms>,"attempts":1}
        {"event":"step","kind":"upgrade","revision":{"id":"202511121400","name":"202511121400_create_counter"},"repeatable":null,"label":"Running upgrade 202511121302_baseline -> 202511121400_create_counter","duration_ms":<ms>,"attempts":1}
        {"event":"summary","command":"upgrade","from":null,"to":{"id":"202511121400","name":"202511121400_create_counter"},"revisions":2,"repeatables":0,"steps":[{"event":"step","kind":"upgrade","revision":{"id":"202511121302","name":"202511121302_baseline"},"repeatable":null,"label":"Running upgrade base -> 202511121302_baseline","duration_ms":<ms>,"attempts":1},{"event":"step","kind":"upgrade","revision":{"id":"202511121400","name":"202511121400_create_counter"},"repeatable":null,"label":"Running upgrade 202511121302_baseline -> 202511121400_create_counter","duration_ms":<ms>,"attempts":1}],"lock_wait_ms":<ms>,"elapsed_ms":<ms>}
    "#]]
    .assert_eq(&masked(&upgrade.stdout));

    let current = migrate("basic", url, &["current", "--json"]);
    expect![[r#"
        {"revision":{"id":"202511121400","name":"202511121400_create_counter"},"head":{"id":"202511121420","name":"202511121420_add_events"},"applied":2,"pending":2,"repeatables_to_run":[],"dirty":null,"problems":[],"lock":{"key":"-324209984690458005","holder":null}}
    "#]]
    .assert_eq(&current.stdout);

    let history = migrate("basic", url, &["history", "--json"]);
    assert_eq!(objects(&history.stdout).len(), 1, "one document");
    expect![[r#"
        {"revisions":[{"id":"202511121302","name":"202511121302_baseline","message":"the empty schema","state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121400","name":"202511121400_create_counter","message":"a counter of applications: proves each revision runs exactly once","state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121410","name":"202511121410_add_tenants","message":"tenants","state":"pending","applied_on":null,"transactional":true},{"id":"202511121420","name":"202511121420_add_events","message":"events","state":"pending","applied_on":null,"transactional":true}],"repeatables":[]}
    "#]]
    .assert_eq(&masked(&history.stdout));

    let pending = migrate("basic", url, &["pending", "--json"]);
    expect![[r#"
        {"revisions":[{"id":"202511121410","name":"202511121410_add_tenants","message":"tenants","transactional":true},{"id":"202511121420","name":"202511121420_add_events","message":"events","transactional":true}]}
    "#]]
    .assert_eq(&pending.stdout);

    // A stamp is one step for the revisions it records, forwards or backwards.
    let stamp = migrate("basic", url, &["stamp", "head", "--json"]);
    assert_eq!(stamp.code, 0, "{}", stamp.stderr);
    expect![[r#"
        {"event":"summary","command":"stamp","from":{"id":"202511121400","name":"202511121400_create_counter"},"to":{"id":"202511121420","name":"202511121420_add_events"},"revisions":2,"repeatables":0,"steps":[{"event":"step","kind":"stamp","revision":{"id":"202511121420","name":"202511121420_add_events"},"repeatable":null,"label":"Stamping 202511121400_create_counter -> 202511121420_add_events (no SQL runs)","duration_ms":<ms>,"attempts":1}],"lock_wait_ms":<ms>,"elapsed_ms":<ms>}
    "#]]
    .assert_eq(&masked(&stamp.stdout));
    let unstamp = migrate("basic", url, &["stamp", "202511121400", "--json"]);
    assert_eq!(unstamp.code, 0, "{}", unstamp.stderr);
    expect![[r#"
        {"event":"summary","command":"stamp","from":{"id":"202511121420","name":"202511121420_add_events"},"to":{"id":"202511121400","name":"202511121400_create_counter"},"revisions":2,"repeatables":0,"steps":[{"event":"step","kind":"unstamp","revision":{"id":"202511121410","name":"202511121410_add_tenants"},"repeatable":null,"label":"Stamping 202511121420_add_events -> 202511121400_create_counter (no SQL runs)","duration_ms":<ms>,"attempts":1}],"lock_wait_ms":<ms>,"elapsed_ms":<ms>}
    "#]]
    .assert_eq(&masked(&unstamp.stdout));

    let downgrade = migrate("basic", url, &["--json", "downgrade", "base"]);
    assert_eq!(downgrade.code, 0, "{}", downgrade.stderr);
    expect![[r#"
        {"event":"step","kind":"downgrade","revision":{"id":"202511121400","name":"202511121400_create_counter"},"repeatable":null,"label":"Running downgrade 202511121400_create_counter -> 202511121302_baseline","duration_ms":<ms>,"attempts":1}
        {"event":"step","kind":"downgrade","revision":{"id":"202511121302","name":"202511121302_baseline"},"repeatable":null,"label":"Running downgrade 202511121302_baseline -> base","duration_ms":<ms>,"attempts":1}
        {"event":"summary","command":"downgrade","from":{"id":"202511121400","name":"202511121400_create_counter"},"to":null,"revisions":2,"repeatables":0,"steps":[{"event":"step","kind":"downgrade","revision":{"id":"202511121400","name":"202511121400_create_counter"},"repeatable":null,"label":"Running downgrade 202511121400_create_counter -> 202511121302_baseline","duration_ms":<ms>,"attempts":1},{"event":"step","kind":"downgrade","revision":{"id":"202511121302","name":"202511121302_baseline"},"repeatable":null,"label":"Running downgrade 202511121302_baseline -> base","duration_ms":<ms>,"attempts":1}],"lock_wait_ms":<ms>,"elapsed_ms":<ms>}
    "#]]
    .assert_eq(&masked(&downgrade.stdout));

    // Nothing to do is a summary without steps.
    let again = migrate("basic", url, &["downgrade", "base", "--json"]);
    expect![[r#"
        {"event":"summary","command":"downgrade","from":null,"to":null,"revisions":0,"repeatables":0,"steps":[],"lock_wait_ms":<ms>,"elapsed_ms":<ms>}
    "#]]
    .assert_eq(&masked(&again.stdout));
}

#[test]
fn an_upgrade_streams_revisions_and_repeatables_through_every_path() {
    // Transactional revisions go through refinery, the non-transactional one through the engine,
    // then the repeatable migration: each has its line.
    let db = database();
    let url = Some(db.url().expose());
    let upgrade = migrate("verify_rich", url, &["upgrade", "--json"]);
    assert_eq!(upgrade.code, 0, "{}", upgrade.stderr);
    let lines = objects(&upgrade.stdout);
    let kinds: Vec<(&str, &str)> = lines
        .iter()
        .map(|line| {
            let name = line["revision"]["id"]
                .as_str()
                .or(line["repeatable"].as_str())
                .unwrap_or("-");
            (line["event"].as_str().unwrap_or("?"), name)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("step", "202511121302"),
            ("step", "202511121400"),
            ("step", "202511121401"),
            ("step", "202511121402"),
            ("step", "202511121403"),
            ("step", "202511121404"),
            ("step", "202511121405"),
            ("step", "202511121406"),
            ("step", "reporting"),
            ("summary", "-"),
        ]
    );
    let repeatable = upgrade.stdout.lines().nth(8).unwrap_or_default();
    expect![[r#"
        {"event":"step","kind":"repeatable","revision":null,"repeatable":"reporting","label":"Running repeatable reporting","duration_ms":<ms>,"attempts":1}
    "#]]
    .assert_eq(&masked(&format!("{repeatable}\n")));
    let summary = &lines[9];
    assert_eq!(summary["revisions"], 8);
    assert_eq!(summary["repeatables"], 1);
    assert_eq!(summary["steps"].as_array().map(Vec::len), Some(9));

    let history = migrate("verify_rich", url, &["history", "--json"]);
    let document = &objects(&history.stdout)[0];
    expect![[r#"
        {"revisions":[{"id":"202511121302","name":"202511121302_baseline","message":null,"state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121400","name":"202511121400_add_kind_type","message":null,"state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121401","name":"202511121401_add_events","message":null,"state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121402","name":"202511121402_add_kind_value","message":null,"state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121403","name":"202511121403_add_touch_trigger","message":null,"state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121404","name":"202511121404_add_daily_view","message":null,"state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121405","name":"202511121405_enable_rls","message":null,"state":"applied","applied_on":<time>,"transactional":true},{"id":"202511121406","name":"202511121406_index_events","message":null,"state":"applied","applied_on":<time>,"transactional":false}],"repeatables":[{"name":"reporting","message":"a reporting view, replaced in place","state":"up_to_date","applied_on":<time>}]}
    "#]]
    .assert_eq(&masked(&history.stdout));
    assert_eq!(
        document["revisions"][7]["transactional"], false,
        "{document}"
    );
}

#[test]
fn upgrade_prints_each_revision_as_it_finishes() {
    // The second revision sleeps for two seconds: the first one's line is out before it ends.
    let db = database();
    connect(&db)
        .batch_execute(&format!(
            "ALTER DATABASE {} SET reliability.sleep_seconds = 2",
            db.name()
        ))
        .expect("set the sleep");
    let mut child = migrate_command(
        env!("CARGO_BIN_EXE_fixture-migrate"),
        Some(&fixture("sleeping")),
        Some(db.url().expose()),
        &["upgrade", "202511121400_create_slow", "--json"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start migrate");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first line");
    assert!(
        child.try_wait().expect("poll").is_none(),
        "the first line came only at the end: {first}"
    );
    let first: Value = serde_json::from_str(&first).expect("JSON");
    assert_eq!(first["revision"]["id"], "202511121302", "{first}");
    let mut rest = String::new();
    for line in stdout.lines() {
        rest.push_str(&line.expect("a line"));
        rest.push('\n');
    }
    let status = child.wait().expect("migrate ends");
    assert!(status.success());
    let rest = objects(&rest);
    assert_eq!(rest.len(), 2, "{rest:?}");
    assert!(
        rest[0]["duration_ms"].as_u64().unwrap_or(0) >= 2000,
        "{}",
        rest[0]
    );
    assert_eq!(rest[1]["event"], "summary");
    assert!(
        Duration::from_millis(rest[1]["elapsed_ms"].as_u64().unwrap_or(0))
            >= Duration::from_secs(2)
    );
}

/// A command in JSON mode and in text mode, each on a database of its own prepared by `prepare`:
/// the JSON error on stderr and the exit code, which is the text mode's.
fn json_error(fixture_name: &str, args: &[&str], prepare: impl Fn(Option<&str>)) -> (i32, String) {
    let (text_db, json_db) = (database(), database());
    let (text_url, json_url) = (Some(text_db.url().expose()), Some(json_db.url().expose()));
    prepare(text_url);
    prepare(json_url);
    let text = migrate(fixture_name, text_url, args);
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let json = migrate(fixture_name, json_url, &with_json);
    assert_eq!(
        json.code, text.code,
        "{args:?}: the exit code of the text mode"
    );
    let lines = objects(&json.stderr);
    assert_eq!(
        lines.len(),
        1,
        "{args:?}: one JSON line on stderr: {}",
        json.stderr
    );
    assert!(lines[0]["error"]["message"].is_string(), "{}", json.stderr);
    let message = lines[0]["error"]["message"].as_str().unwrap_or_default();
    assert!(
        without_times(&text.stderr).starts_with(&format!("error: {}", without_times(message))),
        "{args:?}: the text mode's message\n{}\n{}",
        text.stderr,
        json.stderr
    );
    let quoted = serde_json::to_string(message).expect("a string");
    (json.code, json.stderr.replace(&quoted, "\"<message>\""))
}

#[test]
fn errors_are_json_on_stderr_with_the_exit_codes_of_the_text_mode() {
    let nothing = |_: Option<&str>| {};
    let failed = json_error("broken_concurrently", &["upgrade"], nothing);
    expect![[r#"
        (
            1,
            "{\"error\":{\"kind\":\"statement\",\"message\":\"<message>\",\"revision\":\"202511121410\",\"file\":\"fixtures/broken_concurrently/versions/202511121410_index_events.sql\",\"line\":5,\"sqlstate\":\"42703\"}}\n",
        )
    "#]]
    .assert_debug_eq(&failed);

    let dirty = |url: Option<&str>| {
        let _ = migrate("broken_concurrently", url, &["upgrade"]);
    };
    let refused = json_error("broken_concurrently", &["upgrade"], dirty);
    expect![[r#"
        (
            1,
            "{\"error\":{\"kind\":\"dirty\",\"message\":\"<message>\",\"revision\":\"202511121410\",\"line\":5}}\n",
        )
    "#]]
    .assert_debug_eq(&refused);
    for (args, kind) in [
        (&["upgrade", "nope"][..], "plan"),
        (&["resolve", "--finished"], "not_dirty"),
        (&["downgrade", "-5"], "plan"),
    ] {
        let (code, stderr) = json_error("basic", args, nothing);
        assert_eq!(
            (code, stderr),
            (
                1,
                format!("{{\"error\":{{\"kind\":\"{kind}\",\"message\":\"<message>\"}}}}\n")
            ),
            "{args:?}"
        );
    }

    // Without a database, and with a command line clap refuses (exit code 2, as in text mode).
    for (args, code, kind) in [
        (&["current", "--json"][..], 1, "connect"),
        (&["downgrade", "--json"], 2, "usage"),
        (&["upgrade", "--sql", "--json"], 2, "usage"),
        (&["--json", "frobnicate"], 2, "usage"),
    ] {
        let outcome = migrate("basic", None, args);
        assert_eq!(outcome.code, code, "{args:?}: {}", outcome.stderr);
        let text_args: Vec<&str> = args.iter().copied().filter(|a| *a != "--json").collect();
        let text = migrate("basic", None, &text_args);
        // Without `--json` there is nothing for `--sql` to conflict with: that one is refused
        // only for the database it needs.
        if text_args != ["upgrade", "--sql"] {
            assert_eq!(text.code, code, "{text_args:?}: {}", text.stderr);
        }
        let lines = objects(&outcome.stderr);
        assert_eq!(lines.len(), 1, "{args:?}: {}", outcome.stderr);
        assert_eq!(
            lines[0]["error"]["kind"], kind,
            "{args:?}: {}",
            outcome.stderr
        );
        assert_eq!(outcome.stdout, "");
    }
    let help = migrate("basic", None, &["--json", "--help"]);
    assert_eq!(help.code, 0);
    assert!(
        help.stdout.contains("--json"),
        "help is text: {}",
        help.stdout
    );
}

#[test]
fn current_shows_the_dirty_marker_and_resolve_clears_it() {
    let db = database();
    let url = Some(db.url().expose());
    let failed = migrate("broken_concurrently", url, &["upgrade", "--json"]);
    assert_eq!(failed.code, 1);
    // The revisions before the failing one were applied, and said so as they finished.
    let lines = objects(&failed.stdout);
    let ids: Vec<&Value> = lines.iter().map(|line| &line["revision"]["id"]).collect();
    assert_eq!(ids, ["202511121302", "202511121400"]);

    let current = migrate("broken_concurrently", url, &["current", "--json"]);
    assert_eq!(current.code, 0, "{}", current.stderr);
    assert_eq!(objects(&current.stdout).len(), 1);
    expect![[r#"
        {"revision":{"id":"202511121400","name":"202511121400_add_events"},"head":{"id":"202511121420","name":"202511121420_add_flags"},"applied":2,"pending":2,"repeatables_to_run":[],"dirty":{"revision":{"id":"202511121410","name":"202511121410_index_events"},"direction":"upgrade","statement":2,"line":5,"error":"upgrade of `202511121410_index_events` failed at fixtures/broken_concurrently/versions/202511121410_index_events.sql:5: ERROR 42703: column \"missing_column\" does not exist\n  the statements before it are committed (the revision runs outside a transaction) and the database is marked dirty: inspect it, finish or undo the revision's statements by hand, then run `migrate resolve --finished` or `migrate resolve --rolled-back`","since":<time>},"problems":[],"lock":{"key":"-324209984690458005","holder":null}}
    "#]]
    .assert_eq(&masked(&current.stdout));

    let resolve = migrate(
        "broken_concurrently",
        url,
        &["resolve", "--rolled-back", "--json"],
    );
    assert_eq!(resolve.code, 0, "{}", resolve.stderr);
    expect![[r#"
        {"event":"summary","command":"resolve","from":{"id":"202511121400","name":"202511121400_add_events"},"to":{"id":"202511121400","name":"202511121400_add_events"},"revisions":0,"repeatables":0,"steps":[{"event":"step","kind":"resolve","revision":{"id":"202511121410","name":"202511121410_index_events"},"repeatable":null,"label":"Resolved: upgrade of 202511121410_index_events recorded as rolled back","duration_ms":<ms>,"attempts":1}],"lock_wait_ms":<ms>,"elapsed_ms":<ms>}
    "#]]
    .assert_eq(&masked(&resolve.stdout));
    let current = migrate("broken_concurrently", url, &["current", "--json"]);
    assert_eq!(objects(&current.stdout)[0]["dirty"], Value::Null);
}
