//! Compile error: a revision file that cannot be read (a dangling link).

migrations_runtime::embed!("tests/fixtures/unreadable_file");

fn main() {}
