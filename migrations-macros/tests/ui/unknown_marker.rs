//! Compile error: an unknown `-- migrate:` marker.

migrations_runtime::embed!("tests/fixtures/unknown_marker");

fn main() {}
