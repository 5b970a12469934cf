migrations_runtime::embed!("tests/fixtures/baseline_revises");

fn main() {}
