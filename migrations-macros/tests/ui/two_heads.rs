//! Compile error: two revisions that revise the same parent.

migrations_runtime::embed!("tests/fixtures/two_heads");

fn main() {}
