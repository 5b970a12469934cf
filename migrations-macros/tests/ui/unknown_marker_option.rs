migrations_runtime::embed!("tests/fixtures/unknown_marker_option");

fn main() {}
