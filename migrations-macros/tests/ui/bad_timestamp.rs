//! Compile error: a file name whose timestamp has 13 digits.

migrations_runtime::embed!("tests/fixtures/bad_timestamp");

fn main() {}
