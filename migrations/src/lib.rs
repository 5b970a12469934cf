//! This project's own revisions, embedded at compile time.
//!
//! `revisions::BASELINE`, `revisions::ADD_TENANTS_TABLE`, …, `BASE`, `HEAD`, `REVISIONS` and
//! `runner()` come from this crate's own directory (`versions/`, `repeatable/`), checked by
//! `embed!`.

migrations_runtime::embed!(".");
