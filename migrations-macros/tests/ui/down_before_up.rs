migrations_runtime::embed!("tests/fixtures/down_before_up");

fn main() {}
