migrations_runtime::embed!("tests/fixtures/first_not_baseline");

fn main() {}
