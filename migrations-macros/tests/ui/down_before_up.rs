//! Compile error: a down section before the up section.

migrations_runtime::embed!("tests/fixtures/down_before_up");

fn main() {}
