//! `new`: a new revision from a template, revising the head, or a repeatable migration.

use std::time::{SystemTime, UNIX_EPOCH};

use migrations_core::RevisionId;
use migrations_core::authoring::{NewRevision, id_from_unix_seconds};

use crate::{MigrationsFolder, Template, ToolError};

/// What the new file is made of.
#[derive(Clone, Debug)]
pub struct NewRevisionArgs<'a> {
    pub slug: &'a str,
    pub template: Template,
    pub message: Option<&'a str>,
    pub extension: Option<&'a str>,
}

/// The current UTC minute as a revision id.
pub fn utc_now() -> RevisionId {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    id_from_unix_seconds(seconds)
}

/// Writes the new file and prints its path.
pub fn new_revision(
    folder: &MigrationsFolder,
    args: &NewRevisionArgs<'_>,
) -> Result<(), ToolError> {
    let parsed = folder.parse();
    let new = NewRevision {
        slug: args.slug,
        message: args.message,
        template: (args.template.name(), args.template.text()),
        extension: args.extension,
        now: utc_now(),
    };
    let file = match args.template {
        Template::Repeatable => new.render_repeatable(&parsed)?,
        Template::Versioned | Template::EnableExtension => new.render(&parsed)?,
    };
    let target = folder.path.join(&file.path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|error| ToolError::Write {
            path: parent.to_path_buf(),
            error,
        })?;
    }
    std::fs::write(&target, &file.contents).map_err(|error| ToolError::Write {
        path: target.clone(),
        error,
    })?;
    println!("{}/{}", folder.display, file.path);
    Ok(())
}
