migrations_runtime::embed!("tests/fixtures/unknown_parent");

fn main() {}
