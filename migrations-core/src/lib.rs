//! The pure core of the migration system: revisions, loading, checks, plans and SQL scripts; no database.
//!
//! A folder of revisions is read once by [`load`], parsed file by file ([`parse`]), checked as a
//! graph ([`graph`]) and turned into a [`RevisionSet`]. The proc-macro runs this at compile time,
//! `cargo xtask check` and `verify` run it at run time: one loader, one set of rules.

pub mod authoring;
pub mod checksum;
pub mod diagnostic;
pub mod file_name;
pub mod graph;
pub mod load;
pub mod parse;
pub mod revision;
pub mod sql;
pub mod template;

pub use diagnostic::{Diagnostic, LoadError, Problem};
pub use load::{Folder, Sources, load_dir, load_dir_as};
pub use revision::{Repeatable, Revision, RevisionId, RevisionSet, Section, Statement};
