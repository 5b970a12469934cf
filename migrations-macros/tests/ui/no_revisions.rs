migrations_runtime::embed!("tests/fixtures/no_revisions");

fn main() {}
