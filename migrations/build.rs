//! Rebuilds the crate when a revision file is added or removed: `include_str!` only notices edits.

fn main() {
    println!("cargo:rerun-if-changed=versions");
    println!("cargo:rerun-if-changed=repeatable");
}
