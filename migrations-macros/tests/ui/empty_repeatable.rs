migrations_runtime::embed!("tests/fixtures/empty_repeatable");

fn main() {}
