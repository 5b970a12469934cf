//! `cargo xtask`: contributor and CI commands.

fn main() {}
