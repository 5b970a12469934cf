//! Compile error: an absolute folder path is refused: it would only work on this machine.

migrations_runtime::embed!("/etc/migrations");

fn main() {}
