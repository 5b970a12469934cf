//! Compile error: a repeatable migration with a `-- migrate:` section.

migrations_runtime::embed!("tests/fixtures/marker_in_repeatable");

fn main() {}
