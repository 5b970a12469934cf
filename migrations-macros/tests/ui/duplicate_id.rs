migrations_runtime::embed!("tests/fixtures/duplicate_id");

fn main() {}
