migrations_runtime::embed!("tests/fixtures/duplicate_marker");

fn main() {}
