migrations_runtime::embed!("tests/fixtures/cycle");

fn main() {}
