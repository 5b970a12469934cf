migrations_runtime::embed!("tests/fixtures/marker_in_repeatable");

fn main() {}
