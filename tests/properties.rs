//! Randomised inputs for the revision parser and the graph checks: arbitrary bytes, arbitrary file
//! names and arbitrary folders never make the loader panic, and a valid folder rendered the way
//! `cargo xtask new-migration` lays files out parses back to exactly what was rendered.
//!
//! The regular suite runs a bounded number of cases so that it takes seconds. For a longer search:
//!
//! ```text
//! PROPTEST_CASES=20000 cargo test --release -p migrations-tests --test properties
//! ```
//!
//! A failing case is shrunk and saved under `tests/proptest-regressions/`; commit that file so the
//! case runs on every later test run.

use migrations_core::graph::RevisionGraph;
use migrations_core::load::Entry;
use migrations_core::template::RevisionDraft;
use migrations_core::{Folder, LoadError, RevisionSet, Sources};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// The cases per property when `PROPTEST_CASES` does not say otherwise; failures are saved in
/// `tests/proptest-regressions/`, whatever directory the tests run from.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.failure_persistence = Some(Box::new(FileFailurePersistence::Direct(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/proptest-regressions/properties.txt"
    ))));
    config
}

const BASELINE: &str = "202511121302_baseline";

fn baseline_entry() -> Entry {
    Entry::File {
        name: format!("{BASELINE}.sql"),
        contents: b"-- migrate:up\n-- migrate:down\n".to_vec(),
    }
}

fn sources(versions: Vec<Entry>, repeatable: Option<Vec<Entry>>) -> Sources {
    Sources {
        display_root: "migrations".to_owned(),
        versions: Some(versions),
        repeatable,
        ..Sources::default()
    }
}

/// Loads and checks like `cargo xtask check`, and also asks for the heads like `cargo xtask
/// heads`; every message is rendered. Returns the outcome for further checks.
fn load(sources: &Sources) -> Result<RevisionSet, LoadError> {
    let folder = Folder::parse(sources);
    let _ = RevisionGraph::new(&folder.revisions).heads();
    let _ = folder.build_unchecked();
    let outcome = folder.into_set();
    if let Err(error) = &outcome {
        assert!(!error.diagnostics.is_empty());
        let text = error.to_string();
        for diagnostic in &error.diagnostics {
            assert!(
                diagnostic.file.starts_with("migrations"),
                "{}",
                diagnostic.file
            );
            assert!(!diagnostic.problem.help().is_empty());
        }
        assert!(text.ends_with("problem") || text.ends_with("problems"));
    }
    outcome
}

/// Pieces that revision files are made of, good and bad, so that random files are near misses
/// more often than noise.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-- revises: 202511121302_baseline".to_owned()),
        Just("-- revises:".to_owned()),
        Just("-- revises: 202511121400_other".to_owned()),
        Just("-- message: something".to_owned()),
        Just("-- requires: 202511121302_baseline".to_owned()),
        Just("-- author: someone".to_owned()),
        Just("-- migrate:up".to_owned()),
        Just("-- migrate:up transaction:false".to_owned()),
        Just("-- migrate:down".to_owned()),
        Just("-- migrate:down transaction:false".to_owned()),
        Just("-- migrate:sideways".to_owned()),
        Just("CREATE TABLE t (id int);".to_owned()),
        Just("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;".to_owned()),
        Just("$$".to_owned()),
        Just("$tag$".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just("E'\\''".to_owned()),
        Just("\\copy t from x".to_owned()),
        Just("COPY t FROM STDIN;".to_owned()),
        Just("CREATE ROLE r PASSWORD 'x';".to_owned()),
        Just("postgres://u:p@h/d".to_owned()),
        Just("BEGIN ATOMIC SELECT 1; END;".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("\r".to_owned()),
        Just(";".to_owned()),
        "[ -~]{0,16}",
        "\\PC{0,8}",
    ]
}

/// A text made of fragments joined by line ends.
fn near_miss_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            fragment(),
            prop::sample::select(vec!["\n", "\r\n", " ", ""]),
        ),
        0..24,
    )
    .prop_map(|parts| parts.into_iter().map(|(f, sep)| f + sep).collect())
}

/// File names near the revision pattern.
fn file_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{12}_[a-z_]{1,12}\\.sql",
        "[0-9]{10,14}_[a-zA-Z0-9 _.-]{0,12}(\\.sql)?",
        "2025(0[0-9]|1[0-3])[0-3][0-9][0-2][0-9][0-6][0-9]_[a-z]{1,6}\\.sql",
        "[a-z_. ]{1,12}",
        "\\PC{1,16}",
    ]
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn arbitrary_bytes_as_a_revision_never_panic(contents in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = load(&sources(
            vec![
                baseline_entry(),
                Entry::File { name: "202511121400_add_t.sql".to_owned(), contents },
            ],
            None,
        ));
    }

    #[test]
    fn near_miss_revisions_and_repeatables_never_panic(
        revision in near_miss_text(),
        repeatable in near_miss_text(),
    ) {
        let _ = load(&sources(
            vec![
                baseline_entry(),
                Entry::File {
                    name: "202511121400_add_t.sql".to_owned(),
                    contents: revision.into_bytes(),
                },
            ],
            Some(vec![Entry::File {
                name: "views.sql".to_owned(),
                contents: repeatable.into_bytes(),
            }]),
        ));
    }

    #[test]
    fn arbitrary_file_names_never_panic(names in prop::collection::vec(file_name(), 0..6)) {
        let mut versions = vec![baseline_entry()];
        versions.extend(names.into_iter().map(|name| Entry::File {
            name,
            contents: format!("-- revises: {BASELINE}\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n")
                .into_bytes(),
        }));
        let _ = load(&sources(versions, None));
    }
}

/// A change that may break a valid folder.
#[derive(Clone, Debug)]
enum Mutation {
    /// Point `-- revises:` of one revision at another (maybe itself, maybe a later one).
    Reparent {
        at: usize,
        to: usize,
    },
    /// Point `-- revises:` at a revision that is not in the folder.
    DanglingParent {
        at: usize,
    },
    RemoveRevises {
        at: usize,
    },
    /// Give one revision the id of another.
    SameId {
        at: usize,
        other: usize,
    },
    /// Give one revision the slug of another.
    SameSlug {
        at: usize,
        other: usize,
    },
    /// Replace a revision's body by near-miss text.
    Body {
        at: usize,
        text: String,
    },
    Delete {
        at: usize,
    },
    /// A repeatable that requires some revision (or one that does not exist).
    Repeatable {
        requires: Option<usize>,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0usize..8;
    prop_oneof![
        (at.clone(), 0usize..8).prop_map(|(at, to)| Mutation::Reparent { at, to }),
        at.clone().prop_map(|at| Mutation::DanglingParent { at }),
        at.clone().prop_map(|at| Mutation::RemoveRevises { at }),
        (at.clone(), 0usize..8).prop_map(|(at, other)| Mutation::SameId { at, other }),
        (at.clone(), 0usize..8).prop_map(|(at, other)| Mutation::SameSlug { at, other }),
        (at.clone(), near_miss_text()).prop_map(|(at, text)| Mutation::Body { at, text }),
        at.prop_map(|at| Mutation::Delete { at }),
        prop::option::of(0usize..9).prop_map(|requires| Mutation::Repeatable { requires }),
    ]
}

/// A revision file under construction: id, slug, what it revises, its body.
#[derive(Clone, Debug)]
struct FileParts {
    id: String,
    slug: String,
    revises: Option<String>,
    body: String,
}

proptest! {
    #![proptest_config(config(300))]

    /// A valid line of revisions with random breakage: duplicate ids and slugs, cycles, forks,
    /// dangling parents, a missing baseline. The graph checks report every such folder without
    /// panicking, and a folder they accept is a single line from its baseline.
    #[test]
    fn arbitrary_folders_never_panic_and_accepted_ones_are_a_line(
        length in 0usize..8,
        mutations in prop::collection::vec(mutation(), 0..3),
    ) {
        let mut parts: Vec<FileParts> = vec![FileParts {
            id: BASELINE[..12].to_owned(),
            slug: "baseline".to_owned(),
            revises: None,
            body: "-- migrate:up\n-- migrate:down\n".to_owned(),
        }];
        for i in 0..length {
            let previous = &parts[i];
            parts.push(FileParts {
                id: timestamp(10 * i as u32),
                slug: format!("step_{i}"),
                revises: Some(format!("{}_{}", previous.id, previous.slug)),
                body: "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n".to_owned(),
            });
        }
        let mut repeatables = Vec::new();
        for mutation in mutations {
            let count = parts.len();
            let name = |p: &FileParts| format!("{}_{}", p.id, p.slug);
            match mutation {
                Mutation::Reparent { at, to } => {
                    let to = name(&parts[to % count]);
                    parts[at % count].revises = Some(to);
                }
                Mutation::DanglingParent { at } => {
                    parts[at % count].revises = Some("202511121359_missing".to_owned());
                }
                Mutation::RemoveRevises { at } => parts[at % count].revises = None,
                Mutation::SameId { at, other } => parts[at % count].id = parts[other % count].id.clone(),
                Mutation::SameSlug { at, other } => {
                    parts[at % count].slug = parts[other % count].slug.clone();
                }
                Mutation::Body { at, text } => parts[at % count].body = text,
                Mutation::Delete { at } => {
                    parts.remove(at % count);
                    if parts.is_empty() {
                        break;
                    }
                }
                Mutation::Repeatable { requires } => {
                    let header = match requires {
                        Some(i) if i < count => format!("-- requires: {}\n", name(&parts[i])),
                        Some(_) => "-- requires: 202511121359_missing\n".to_owned(),
                        None => String::new(),
                    };
                    repeatables.push(Entry::File {
                        name: format!("view_{}.sql", repeatables.len()),
                        contents: format!("{header}CREATE OR REPLACE VIEW v AS SELECT 1;\n").into_bytes(),
                    });
                }
            }
        }
        let versions = parts
            .iter()
            .map(|p| Entry::File {
                name: format!("{}_{}.sql", p.id, p.slug),
                contents: format!(
                    "{}{}",
                    p.revises.as_ref().map(|r| format!("-- revises: {r}\n")).unwrap_or_default(),
                    p.body
                )
                .into_bytes(),
            })
            .collect();
        if let Ok(set) = load(&sources(versions, Some(repeatables))) {
            let revisions = set.revisions();
            prop_assert!(revisions[0].slug() == "baseline" && revisions[0].parent().is_none());
            for pair in revisions.windows(2) {
                prop_assert!(pair[0].id() < pair[1].id());
                prop_assert_eq!(pair[1].parent(), Some(pair[0].id()));
            }
            prop_assert_eq!(set.head().map(|h| h.id()), revisions.last().map(|r| r.id()));
        }
    }
}

/// SQL statements that split cleanly, several of them hard to split: quotes, dollar quotes,
/// comments and `BEGIN ATOMIC` bodies holding semicolons.
const STATEMENTS: [&str; 11] = [
    "CREATE TABLE t (id int);",
    "INSERT INTO t VALUES (1), (2);",
    "SELECT 'semi;colon', 'it''s';",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;",
    "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $fn$ SELECT 2; $fn$;",
    "/* a block; comment */ SELECT 1;",
    "-- a line comment; with a semicolon\nSELECT 2;",
    "SELECT \"Quoted;Name\" FROM t;",
    "CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; SELECT 2; END;",
    "DO $$ BEGIN RAISE NOTICE 'x;y'; END $$;",
    "SELECT E'a\\'b;c';",
];

fn statements(min: usize) -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(prop::sample::select(STATEMENTS.to_vec()), min..4)
}

/// A revision as `new-migration` would be asked for it.
#[derive(Clone, Debug)]
struct Model {
    minutes_after_previous: u32,
    word: String,
    message: Option<String>,
    transactional: bool,
    up: Vec<&'static str>,
    down: Vec<&'static str>,
}

fn model() -> impl Strategy<Value = Model> {
    (
        1u32..180,
        "[a-z][a-z0-9]{0,10}",
        prop::option::of("[A-Za-z0-9][A-Za-z0-9 ,.()-]{0,40}"),
        prop::bool::weighted(0.8),
        statements(0),
        statements(1),
    )
        .prop_map(
            |(minutes_after_previous, word, message, transactional, up, down)| Model {
                minutes_after_previous,
                word,
                message: message
                    .map(|m| m.trim().to_owned())
                    .filter(|m| !m.is_empty()),
                transactional,
                up,
                down,
            },
        )
}

/// `YYYYMMDDHHMM` for minutes after 2025-11-12 14:00 (within the month for the sizes used here).
fn timestamp(minutes: u32) -> String {
    let total = 14 * 60 + minutes;
    format!(
        "202511{:02}{:02}{:02}",
        12 + total / 1440,
        total % 1440 / 60,
        total % 60
    )
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn valid_folders_round_trip_through_rendering_and_parsing(models in prop::collection::vec(model(), 0..12)) {
        let mut names = vec![BASELINE.to_owned()];
        let mut files = vec![baseline_entry()];
        let mut minutes = 0;
        for (i, model) in models.iter().enumerate() {
            minutes += model.minutes_after_previous;
            let name = format!("{}_{}_{i}", timestamp(minutes), model.word);
            let draft = RevisionDraft {
                revises: names.last().map(String::as_str),
                message: model.message.as_deref(),
                transactional: model.transactional,
                up: &model.up.join("\n"),
                down: &model.down.join("\n"),
            };
            files.push(Entry::File {
                name: format!("{name}.sql"),
                contents: draft.render().into_bytes(),
            });
            names.push(name);
        }
        let set = load(&sources(files.clone(), None))
            .unwrap_or_else(|e| panic!("a rendered folder must load:\n{e}"));
        let revisions = set.revisions();
        prop_assert_eq!(revisions.len(), models.len() + 1);
        for ((revision, model), name) in revisions[1..].iter().zip(&models).zip(&names[1..]) {
            prop_assert_eq!(revision.name(), name.as_str());
            prop_assert_eq!(revision.message(), model.message.as_deref());
            prop_assert_eq!(revision.is_transactional(), model.transactional);
            prop_assert_eq!(revision.up().sql(), model.up.join("\n"));
            prop_assert_eq!(revision.down().sql(), model.down.join("\n"));
            // Each statement found again: without its leading comments and its semicolon.
            for (section, expected) in [(revision.up(), &model.up), (revision.down(), &model.down)] {
                let found: Vec<&str> = section.statements().map(|s| s.sql).collect();
                prop_assert_eq!(found.len(), expected.len(), "{:?}", found);
                for (found, expected) in found.iter().zip(expected.iter()) {
                    prop_assert!(
                        !found.is_empty() && expected.trim_end_matches(';').ends_with(found),
                        "{:?} is not the statement {:?}", found, expected
                    );
                }
            }
        }
        // Rendering what was parsed gives the same files, byte for byte.
        for (revision, file) in revisions[1..].iter().zip(&files[1..]) {
            let parent = revision.parent().and_then(|id| set.get(id)).map(|p| p.name());
            let again = RevisionDraft {
                revises: parent,
                message: revision.message(),
                transactional: revision.is_transactional(),
                up: revision.up().sql(),
                down: revision.down().sql(),
            }
            .render();
            let Entry::File { contents, .. } = file else { unreachable!() };
            prop_assert_eq!(again.as_bytes(), contents.as_slice());
        }
    }
}
