//! Rebuilds the crate when a revision file is added to `migrations/`; `embed!` refuses to compile
//! without it.

fn main() {
    println!("cargo::rerun-if-changed=migrations");
}
