//! Each problem a folder can have is a spanned compile error of `embed!`, and fresh revisions and
//! a repeatable migration written by `new-migration` compile.
//!
//! The expected messages are checked in next to each case (`tests/ui/<case>.stderr`); rerun with
//! `TRYBUILD=overwrite` after changing a message, and review the diff.

use std::path::Path;

use migrations_core::RevisionId;
use migrations_core::authoring::{BASELINE_TEXT, NewRevision};
use migrations_core::{Folder, Sources};

/// Writes a folder the way `cargo xtask new-migration` would, from the real templates.
fn write_new_migration_folder(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let versions = dir.join("versions");
    std::fs::create_dir_all(&versions).expect("create the generated folder");
    std::fs::write(versions.join("202511121302_baseline.sql"), BASELINE_TEXT)
        .expect("write the baseline");
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
    for (slug, template, extension, now) in [
        ("add_flag", "versioned.sql", None, 202511121400),
        (
            "enable_trgm",
            "enable_extension.sql",
            Some("pg_trgm"),
            202511121400,
        ),
    ] {
        let text = std::fs::read_to_string(templates.join(template)).expect("read the template");
        let folder = Folder::parse(&Sources::read(dir, "generated"));
        let new = NewRevision {
            slug,
            message: Some("written by the compile test"),
            template: (template, &text),
            extension,
            now: RevisionId(now),
        };
        let file = new.render(&folder).expect("the template renders");
        std::fs::write(dir.join(&file.path), file.contents).expect("write the new revision");
    }
    let template = "repeatable.sql";
    let text = std::fs::read_to_string(templates.join(template)).expect("read the template");
    let folder = Folder::parse(&Sources::read(dir, "generated"));
    let new = NewRevision {
        slug: "reporting_views",
        message: Some("written by the compile test"),
        template: (template, &text),
        extension: None,
        now: RevisionId(202511121500),
    };
    let file = new
        .render_repeatable(&folder)
        .expect("the template renders");
    std::fs::create_dir_all(dir.join("repeatable")).expect("create the repeatable folder");
    std::fs::write(dir.join(&file.path), file.contents).expect("write the repeatable");
}

#[test]
fn every_folder_problem_is_a_spanned_compile_error() {
    let manifest_dir = env!("CARGO_MANIFEST_DIR");
    write_new_migration_folder(
        &Path::new(manifest_dir).join("tests/fixtures/generated/new_migration"),
    );
    // SAFETY: this is the only test of this binary, and trybuild reads the variable only in the
    // cargo processes it spawns after this point.
    unsafe { std::env::set_var("MIGRATIONS_MACROS_MANIFEST_DIR", manifest_dir) };
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/pass/*.rs");
}
