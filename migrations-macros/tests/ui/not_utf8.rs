migrations_runtime::embed!("tests/fixtures/not_utf8");

fn main() {}
