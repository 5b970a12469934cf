migrations_runtime::embed!("/etc/migrations");

fn main() {}
