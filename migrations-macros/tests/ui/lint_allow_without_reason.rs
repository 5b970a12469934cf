//! Compile error: a `-- lint: allow` without a reason.

migrations_runtime::embed!("tests/fixtures/lint_allow_without_reason");

fn main() {}
