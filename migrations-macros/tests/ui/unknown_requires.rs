//! Compile error: a repeatable migration that requires an unknown revision.

migrations_runtime::embed!("tests/fixtures/unknown_requires");

fn main() {}
