migrations_runtime::embed!("tests/fixtures/missing_down_marker");

fn main() {}
