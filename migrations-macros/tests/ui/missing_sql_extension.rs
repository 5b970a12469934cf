migrations_runtime::embed!("tests/fixtures/missing_sql_extension");

fn main() {}
