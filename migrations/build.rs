//! Rebuilds the crate when a revision file or the schema snapshot is added or removed:
//! `include_str!` only notices edits.

fn main() {
    println!("cargo:rerun-if-changed=versions");
    println!("cargo:rerun-if-changed=repeatable");
    println!("cargo:rerun-if-changed=schema.snapshot.json");
}
