//! Compile error: a directory inside `versions/`.

migrations_runtime::embed!("tests/fixtures/unexpected_directory");

fn main() {}
