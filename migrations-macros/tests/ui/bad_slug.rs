//! Compile error: a file name whose slug has upper-case letters.

migrations_runtime::embed!("tests/fixtures/bad_slug");

fn main() {}
