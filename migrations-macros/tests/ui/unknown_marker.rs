migrations_runtime::embed!("tests/fixtures/unknown_marker");

fn main() {}
