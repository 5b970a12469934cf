migrations_runtime::embed!("tests/fixtures/credential");

fn main() {}
