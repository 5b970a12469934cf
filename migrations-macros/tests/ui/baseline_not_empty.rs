migrations_runtime::embed!("tests/fixtures/baseline_not_empty");

fn main() {}
