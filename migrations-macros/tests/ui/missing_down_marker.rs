//! Compile error: a revision without `-- migrate:down`.

migrations_runtime::embed!("tests/fixtures/missing_down_marker");

fn main() {}
