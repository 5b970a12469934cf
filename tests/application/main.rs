//! The application developer's path, on `examples/app`: the README shows exactly its files; a copy
//! of it elsewhere builds as a crate of its own and migrates a real database at start-up, with
//! tokio-postgres and with the blocking client; the next `cargo build` sees a revision file added,
//! edited or removed, and a build with nothing changed compiles nothing; without a build script
//! that watches its folder the crate does not compile, and the message gives the one to write.

mod project;
mod readme;

use expect_test::expect;
use migrations_tests::{connect, database, history};
use project::{Project, example_dir};

/// What a start-up printed, as one text.
fn printed(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn applied_names(db: &migrations_disposable::DisposableDb) -> Vec<String> {
    history(&mut connect(db))
        .into_iter()
        .map(|(_, name, _)| name)
        .collect()
}

const ADD_AUTHOR: &str = "migrations/versions/202601051000_add_note_author.sql";

const ADD_AUTHOR_TEXT: &str = "\
-- revises: 202601050930_create_notes
-- message: who wrote each note

-- migrate:up
ALTER TABLE notes ADD COLUMN author text;

-- migrate:down
ALTER TABLE notes DROP COLUMN author;
";

#[test]
fn the_readme_shows_the_example_application_verbatim() {
    let shown = readme::application_files();
    let files: Vec<&str> = shown.iter().map(|s| s.file.as_str()).collect();
    for expected in [
        "Cargo.toml",
        "build.rs",
        "src/lib.rs",
        "src/main.rs",
        "src/bin/blocking.rs",
        "src/bin/migrate.rs",
    ] {
        assert!(
            files.contains(&expected),
            "README.md's Applications section does not show `{expected}` of examples/app (it shows {files:?})"
        );
    }
    for block in &shown {
        let path = example_dir().join(&block.file);
        let file = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "README.md shows `{}`, which examples/app lacks: {e}",
                block.file
            )
        });
        assert_eq!(
            block.text, file,
            "README.md's `{}` differs from examples/app/{}: copy the file into the README",
            block.file, block.file
        );
    }
}

#[test]
fn the_example_migrates_at_start_up_and_each_build_sees_what_changed_in_its_folder() {
    let _turn = Project::lock();
    let project = Project::copy_example();
    project.build_ok();

    // The error from `main`'s `?` is its message, not its variant.
    let output = project.run_without_database("app");
    assert!(!output.status.success());
    expect![[r#"
        Error: no database URL: set DATABASE_URL (e.g. postgres://user@host:5432/db) or pass --database-url
    "#]]
    .assert_eq(&String::from_utf8_lossy(&output.stderr));

    let db = database();
    let url = db.url().expose();

    // Start-up with tokio-postgres: both revisions, a log line for each.
    let output = project.run("app", &[], url);
    let text = printed(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("upgrade base -> 202601050930_create_notes"),
        "{text}"
    );
    assert!(text.contains("0 notes"), "{text}");
    assert!(
        text.contains("202601050930_create_notes finished in"),
        "the runner's tracing events reach the application's subscriber: {text}"
    );
    assert_eq!(applied_names(&db), ["baseline", "create_notes"]);

    let noop = project.build_ok();
    assert!(
        noop.fresh_app() && !noop.compiled_app(),
        "a build with nothing changed compiles the crate again:\n{}",
        noop.log
    );

    // A revision file added: the next build embeds it; the blocking client applies it.
    project.write(ADD_AUTHOR, ADD_AUTHOR_TEXT);
    let added = project.build_ok();
    assert!(added.compiled_app(), "{}", added.log);
    let output = project.run("blocking", &[], url);
    let text = printed(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("upgrade 202601050930_create_notes -> 202601051000_add_note_author"),
        "{text}"
    );
    assert_eq!(
        applied_names(&db),
        ["baseline", "create_notes", "add_note_author"]
    );

    // An applied revision edited: the next build embeds the edit, and start-up refuses it with
    // the message and the fix, not a Debug dump.
    project.write(
        ADD_AUTHOR,
        &ADD_AUTHOR_TEXT.replace("author text;", "author text NOT NULL DEFAULT '';"),
    );
    assert!(project.build_ok().compiled_app());
    let output = project.run("app", &[], url);
    let text = printed(&output);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("revision `202601051000_add_note_author` was applied with checksum")
            && text.contains("restore the applied up section of"),
        "{text}"
    );

    // The development workflow for a revision not yet shared: the applied text back, its down
    // section run by the application's `migrate`, the edit again, start-up applies it.
    project.write(ADD_AUTHOR, ADD_AUTHOR_TEXT);
    project.build_ok();
    let downgrade = project.run("migrate", &["downgrade", "-1"], url);
    assert!(downgrade.status.success(), "{}", printed(&downgrade));
    assert_eq!(applied_names(&db), ["baseline", "create_notes"]);
    project.write(
        ADD_AUTHOR,
        &ADD_AUTHOR_TEXT.replace("author text;", "author text NOT NULL DEFAULT '';"),
    );
    project.build_ok();
    let output = project.run("app", &[], url);
    assert!(output.status.success(), "{}", printed(&output));
    assert_eq!(
        applied_names(&db),
        ["baseline", "create_notes", "add_note_author"]
    );

    // A revision file removed: the next build leaves it out, and start-up says the database is
    // ahead of this code.
    project.remove(ADD_AUTHOR);
    assert!(project.build_ok().compiled_app());
    let output = project.run("blocking", &[], url);
    let text = printed(&output);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("which this code does not know"), "{text}");
}

#[test]
fn without_a_build_script_that_watches_the_folder_the_crate_does_not_compile() {
    let _turn = Project::lock();
    let project = Project::copy_example();
    project.remove("build.rs");
    let build = project.build();
    assert!(!build.success, "{}", build.log);
    expect![[r#"
        error: this crate has no build script: cargo rebuilds it when an embedded file is edited or removed, but not when a revision file is added to `migrations`, which would then be left out silently; add `build.rs` next to Cargo.toml:

        fn main() {
            println!("cargo::rerun-if-changed=migrations");
        }"#]]
    .assert_eq(&build.first_error());

    // A build script watching the wrong path (one the folder does not have).
    project.write(
        "build.rs",
        "fn main() {\n    println!(\"cargo::rerun-if-changed=versions\");\n}\n",
    );
    let build = project.build();
    assert!(!build.success, "{}", build.log);
    expect![[r#"
        error: the build script watches only `versions`, and `versions` does not exist, which makes every build rerun it and rebuild the crate: a revision file added to `migrations` would not rebuild this crate and would be left out silently; make build.rs this:

        fn main() {
            println!("cargo::rerun-if-changed=migrations");
        }"#]]
    .assert_eq(&build.first_error());

    // The build script the message gives, as it gives it: the crate builds, and a build with
    // nothing changed compiles nothing.
    let message = build.first_error();
    let script = &message[message
        .find("fn main()")
        .expect("the message has a build script")..];
    project.write("build.rs", &format!("{script}\n"));
    project.build_ok();
    let noop = project.build_ok();
    assert!(
        noop.fresh_app() && !noop.compiled_app(),
        "a build with nothing changed compiles the crate again:\n{}",
        noop.log
    );
}
