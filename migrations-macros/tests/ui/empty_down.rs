//! Compile error: a revision whose down section has no statement.

migrations_runtime::embed!("tests/fixtures/empty_down");

fn main() {}
