//! The offline commands on a folder of revisions, for `cargo migrations` in any project and for
//! this workspace's `cargo xtask`: `new`, `check`, `lint`, `history`, `heads`, `rebase`.
//!
//! Each reads the folder with the core's loader, prints what a person reads (results on standard
//! output, problems on standard error) and says whether it passed. The commands that fixes name
//! are those of [`migrations_core::hint`], which the calling program sets.

mod check;
pub mod command_line;
mod error;
mod folder;
mod history;
mod json;
mod lint;
mod new_revision;
mod rebase;
mod schema_files;
mod templates;

pub use check::check;
pub use error::ToolError;
pub use folder::MigrationsFolder;
pub use history::{heads, history};
pub use lint::lint;
pub use new_revision::{NewRevisionArgs, new_revision, utc_now};
pub use rebase::rebase;
pub use templates::Template;
