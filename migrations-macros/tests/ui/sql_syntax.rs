migrations_runtime::embed!("tests/fixtures/sql_syntax");

fn main() {}
