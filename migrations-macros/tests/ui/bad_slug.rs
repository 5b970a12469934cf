migrations_runtime::embed!("tests/fixtures/bad_slug");

fn main() {}
