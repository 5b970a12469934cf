//! Compile error: a revision file without the `.sql` extension.

migrations_runtime::embed!("tests/fixtures/missing_sql_extension");

fn main() {}
