//! Compile error: a file that is not a revision in `versions/`.

migrations_runtime::embed!("tests/fixtures/stray_file");

fn main() {}
