//! This project's own revisions, embedded at compile time.
//!
//! `revisions::BASELINE`, `revisions::ADD_TENANTS_TABLE`, …, `BASE`, `HEAD`, `REVISIONS` and
//! `runner()` come from the folder next to this crate's `Cargo.toml`, checked by `embed!`.

migrations_runtime::embed!();
