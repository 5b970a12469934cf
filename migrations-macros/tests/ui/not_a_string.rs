//! Compile error: an argument that is not a string literal.

migrations_runtime::embed!(migrations);

fn main() {}
