//! Compile error: a folder without `versions/`.

migrations_runtime::embed!("tests/fixtures/missing_versions_dir");

fn main() {}
