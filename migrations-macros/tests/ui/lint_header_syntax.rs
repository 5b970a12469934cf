//! Compile error: a `-- lint:` header that does not say `allow`.

migrations_runtime::embed!("tests/fixtures/lint_header_syntax");

fn main() {}
