//! The schema a database is compared with: the schema at head compiled into the binary
//! (`schema.snapshot.json`, embedded by `embed!`), or a snapshot file of the schema at another
//! revision, as `cargo xtask drift` builds it on a disposable PostgreSQL.

use std::path::{Path, PathBuf};

use migrations_core::schema_file::Source;
use migrations_snapshot::{HeadSchema, SchemaSnapshot};

use super::error::DriftError;
use crate::runner::Runner;

/// Where a reference came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// The schema at head compiled into the binary: the database must be at head.
    Embedded,
    /// A file given with `--reference`: the database must be at the revision it names.
    File(PathBuf),
}

#[derive(Debug)]
pub(super) struct Reference {
    /// The revision it is the schema at (a file stem), the server it was captured on, and the
    /// objects, without the roles that built them.
    schema: HeadSchema,
    snapshot: SchemaSnapshot,
    pub(super) origin: Origin,
}

impl Reference {
    /// The schema at head the runner carries, which must be that of the runner's revisions.
    pub(super) fn embedded(runner: &Runner) -> Result<Reference, DriftError> {
        let text = runner.head_schema().ok_or(DriftError::NoReference)?;
        let schema = HeadSchema::from_json(text).map_err(|source| DriftError::BadReference {
            what: Origin::Embedded.describe(),
            source,
        })?;
        let compiled = Source::of(runner.revisions());
        let rendered = Source::from_snapshot_json(text);
        if rendered.as_ref() != Some(&compiled) {
            return Err(DriftError::StaleReference {
                rendered: rendered.map_or_else(
                    || format!("{} (no source line)", schema.head),
                    |source| format!("{} ({source})", source.head),
                ),
                compiled: format!("{} ({compiled})", compiled.head),
            });
        }
        Ok(Reference::new(schema, Origin::Embedded))
    }

    /// A snapshot file of the schema at some revision.
    pub(super) fn file(path: &Path) -> Result<Reference, DriftError> {
        let origin = Origin::File(path.to_path_buf());
        let text = std::fs::read_to_string(path).map_err(|source| DriftError::ReadReference {
            path: path.to_path_buf(),
            source,
        })?;
        let schema = HeadSchema::from_json(&text).map_err(|source| DriftError::BadReference {
            what: origin.describe(),
            source,
        })?;
        Ok(Reference::new(schema, origin))
    }

    fn new(schema: HeadSchema, origin: Origin) -> Reference {
        Reference {
            snapshot: schema.snapshot(),
            schema,
            origin,
        }
    }

    /// The revision (file stem) it is the schema at.
    pub(super) fn revision(&self) -> &str {
        &self.schema.head
    }

    /// The server it was captured on, e.g. `PostgreSQL 15`.
    pub(super) fn server(&self) -> &str {
        &self.schema.server
    }

    pub(super) fn snapshot(&self) -> &SchemaSnapshot {
        &self.snapshot
    }
}

impl Origin {
    /// How messages name the reference.
    pub(super) fn describe(&self) -> String {
        match self {
            Origin::Embedded => "the schema at head compiled into this binary".to_owned(),
            Origin::File(path) => format!("the reference {}", path.display()),
        }
    }
}
