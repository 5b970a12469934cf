migrations_runtime::embed!("tests/fixtures/empty_header");

fn main() {}
