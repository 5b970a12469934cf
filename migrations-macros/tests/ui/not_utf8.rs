//! Compile error: a revision file that is not UTF-8.

migrations_runtime::embed!("tests/fixtures/not_utf8");

fn main() {}
