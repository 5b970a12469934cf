migrations_runtime::embed!("tests/fixtures/empty_down");

fn main() {}
