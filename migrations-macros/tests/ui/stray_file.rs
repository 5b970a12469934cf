migrations_runtime::embed!("tests/fixtures/stray_file");

fn main() {}
