migrations_runtime::embed!("tests/fixtures/not_previous_revision");

fn main() {}
