//! Compile error: revisions that do not revise the one just before them.

migrations_runtime::embed!("tests/fixtures/not_previous_revision");

fn main() {}
