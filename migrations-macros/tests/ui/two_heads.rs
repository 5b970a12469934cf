migrations_runtime::embed!("tests/fixtures/two_heads");

fn main() {}
