migrations_runtime::embed!("tests/fixtures/duplicate_header");

fn main() {}
