//! `cargo xtask new-migration`: a new revision from `templates/`, revising the head.

use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use migrations_core::authoring::{NewRevision, id_from_unix_seconds};
use migrations_core::{Folder, RevisionId, Sources};

use crate::flags::{NewMigration, Template};

/// The current UTC minute as a revision id.
pub fn utc_now() -> RevisionId {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    id_from_unix_seconds(seconds)
}

impl NewMigration {
    pub fn run(self, root: &Path) -> anyhow::Result<ExitCode> {
        let (path, display) = self.migrations.resolve(root)?;
        let folder = Folder::parse(&Sources::read(&path, &display));
        let template_path = root.join("templates").join(self.template.file_name());
        let template = std::fs::read_to_string(&template_path)
            .with_context(|| format!("cannot read template {}", template_path.display()))?;
        let template_name = format!("templates/{}", self.template.file_name());
        let new = NewRevision {
            slug: &self.slug,
            message: self.message.as_deref(),
            template: (&template_name, &template),
            extension: self.extension.as_deref(),
            now: utc_now(),
        };
        let file = match self.template {
            Template::Repeatable => new.render_repeatable(&folder)?,
            Template::Versioned | Template::EnableExtension => new.render(&folder)?,
        };
        let target = path.join(&file.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&target, &file.contents)
            .with_context(|| format!("cannot write {}", target.display()))?;
        println!("{display}/{}", file.path);
        Ok(ExitCode::SUCCESS)
    }
}
