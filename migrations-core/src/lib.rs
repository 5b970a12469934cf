//! The pure core of the migration system: revisions, loading, checks, plans and SQL scripts; no database.
//!
//! A folder of revisions is read once by [`load`], parsed file by file ([`parse`]), checked as a
//! graph ([`graph`]) and turned into a [`RevisionSet`]. The proc-macro runs this at compile time,
//! `cargo xtask check` and `verify` run it at run time: one loader, one set of rules.
//!
//! Running revisions is planned here too: [`plan`] checks a database's history against the set
//! and lists the steps to a [`Target`]; [`script`] renders each step as the SQL the runtime
//! executes, and the dry-run prints.

pub mod authoring;
pub mod checksum;
pub mod diagnostic;
pub mod envelope;
pub mod file_name;
pub mod graph;
pub mod header_settings;
pub mod hint;
pub mod history;
pub mod id;
pub mod load;
pub mod parse;
pub mod plan;
pub mod revision;
pub mod schema_file;
pub mod script;
pub mod sql;
pub mod target;
pub mod template;

pub use diagnostic::{Diagnostic, LoadError, Problem};
pub use header_settings::LintAllow;
pub use history::{Direction, HistoryTable};
pub use load::{Folder, Sources, load_dir, load_dir_as};
pub use plan::{AppliedRevision, Command, Plan, Step};
pub use revision::{
    Repeatable, Revision, RevisionId, RevisionSet, RevisionSettings, Section, Statement,
};
pub use script::{Script, Unit};
pub use target::Target;
