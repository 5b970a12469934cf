migrations_runtime::embed!("tests/fixtures/bad_timestamp");

fn main() {}
