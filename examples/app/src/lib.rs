//! The application's library: its revisions, embedded from `migrations/` and checked when the
//! crate compiles.

/// `migrations::runner()`, `migrations::HEAD`, `migrations::revisions::CREATE_NOTES`, ...
pub mod migrations {
    migrations_runtime::embed!();
}
