//! Compile error: a revision that revises an unknown revision.

migrations_runtime::embed!("tests/fixtures/unknown_parent");

fn main() {}
