migrations_runtime::embed!("tests/fixtures/unreadable_file");

fn main() {}
