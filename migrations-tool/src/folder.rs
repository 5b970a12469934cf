//! The folder a command works on, and how its messages name it.

use std::path::{Path, PathBuf};

use migrations_core::{Folder, Sources};

use crate::ToolError;

/// A folder of revisions that exists: `versions/`, optionally `repeatable/`, the schema files and
/// `lint.toml`.
#[derive(Clone, Debug)]
pub struct MigrationsFolder {
    /// Canonical.
    pub path: PathBuf,
    /// As messages name it, e.g. `migrations`.
    pub display: String,
}

impl MigrationsFolder {
    /// The folder at `path`, named `display` in messages.
    pub fn new(path: &Path, display: &str) -> Result<MigrationsFolder, ToolError> {
        let path = path.canonicalize().map_err(|error| ToolError::NoFolder {
            display: display.to_owned(),
            error,
        })?;
        Ok(MigrationsFolder {
            path,
            display: display.to_owned(),
        })
    }

    /// Every file parsed, with the problems found so far.
    pub fn parse(&self) -> Folder {
        Folder::parse(&Sources::read(&self.path, &self.display))
    }
}
