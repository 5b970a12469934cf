//! `rebase`: a revision moved after all the others, renamed and pointed at the head.

use migrations_core::authoring::{AuthoringError, rebase as plan_rebase};

use crate::new_revision::utc_now;
use crate::{MigrationsFolder, ToolError};

/// Moves `revision` (file stem or id) and prints where to.
pub fn rebase(folder: &MigrationsFolder, revision: &str) -> Result<(), ToolError> {
    let parsed = folder.parse();
    let found = parsed
        .revisions
        .iter()
        .find(|r| r.name == revision || r.id.to_string() == revision)
        .ok_or_else(|| AuthoringError::UnknownRevision {
            name: revision.to_owned(),
        })?;
    let old = folder.path.join(format!("versions/{}.sql", found.name));
    let text = std::fs::read_to_string(&old).map_err(|error| ToolError::Read {
        path: old.clone(),
        error,
    })?;
    let text = migrations_core::checksum::normalise(&text);
    let plan = plan_rebase(&parsed, &found.name, &text, utc_now())?;
    let new = folder.path.join(&plan.write.path);
    std::fs::write(&new, &plan.write.contents).map_err(|error| ToolError::Write {
        path: new.clone(),
        error,
    })?;
    std::fs::remove_file(&old).map_err(|error| ToolError::Remove {
        path: old.clone(),
        error,
    })?;
    println!("moved {} to {}", plan.remove, plan.write.path);
    Ok(())
}
