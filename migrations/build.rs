//! Rebuilds the crate when a revision file or the schema snapshot is added: `embed!`'s
//! `include_str!`s notice edits and removals only, and `embed!` refuses to compile without this.

fn main() {
    println!("cargo::rerun-if-changed=versions");
    println!("cargo::rerun-if-changed=repeatable");
    println!("cargo::rerun-if-changed=schema.snapshot.json");
}
