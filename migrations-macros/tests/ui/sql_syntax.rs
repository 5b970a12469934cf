//! Compile error: an unterminated dollar quote.

migrations_runtime::embed!("tests/fixtures/sql_syntax");

fn main() {}
