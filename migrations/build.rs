//! Rebuilds the crate when a revision file is added: `embed!`'s `include_str!`s notice edits and
//! removals only, and `embed!` refuses to compile without this.

fn main() {
    println!("cargo::rerun-if-changed=versions");
    println!("cargo::rerun-if-changed=repeatable");
}
