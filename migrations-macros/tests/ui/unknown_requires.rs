migrations_runtime::embed!("tests/fixtures/unknown_requires");

fn main() {}
