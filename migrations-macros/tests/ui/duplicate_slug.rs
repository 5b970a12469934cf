migrations_runtime::embed!("tests/fixtures/duplicate_slug");

fn main() {}
