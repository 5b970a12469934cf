//! Compile error: two revisions with the same slug.

migrations_runtime::embed!("tests/fixtures/duplicate_slug");

fn main() {}
