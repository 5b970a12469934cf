//! Compile error: an unknown option on the up marker.

migrations_runtime::embed!("tests/fixtures/unknown_marker_option");

fn main() {}
