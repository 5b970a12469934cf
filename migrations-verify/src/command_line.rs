//! The command lines of verify and of the schema files, for `migrations-verify`,
//! `migrations-schema` and `cargo migrations`: their arguments, and a run that prints what a
//! person reads and returns the exit code.

mod error;
mod schema;
mod verify;

pub use error::CommandError;
pub use schema::{SchemaArgs, write_reference, write_schema};
pub use verify::{VerifyArgs, run_verify};
