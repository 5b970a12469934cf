//! The offline commands' arguments as clap parses them, shared by `cargo migrations` and
//! `cargo xtask`: each program names the commands and writes their help, the arguments and what
//! they do are the same.

use std::path::{Path, PathBuf};

use crate::{MigrationsFolder, NewRevisionArgs, Template, ToolError};

/// The folder an offline command works on.
#[derive(Clone, Debug, clap::Args)]
pub struct FolderArg {
    /// The folder of revisions, holding versions/ and optionally repeatable/ [default: migrations]
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,
}

impl FolderArg {
    /// The folder given, from the current directory, or `default` (shown as `migrations`).
    pub fn open(&self, default: &Path) -> Result<MigrationsFolder, ToolError> {
        match &self.migrations {
            Some(dir) => MigrationsFolder::new(dir, &dir.display().to_string()),
            None => MigrationsFolder::new(default, "migrations"),
        }
    }

    fn path<'a>(&'a self, default: &'a Path) -> &'a Path {
        self.migrations.as_deref().unwrap_or(default)
    }
}

/// The template a new revision is written from.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TemplateArg {
    Versioned,
    EnableExtension,
    Repeatable,
}

impl From<TemplateArg> for Template {
    fn from(template: TemplateArg) -> Template {
        match template {
            TemplateArg::Versioned => Template::Versioned,
            TemplateArg::EnableExtension => Template::EnableExtension,
            TemplateArg::Repeatable => Template::Repeatable,
        }
    }
}

/// `new-migration`: a revision revising the head (`baseline` first), or a repeatable migration.
#[derive(Clone, Debug, clap::Args)]
pub struct NewRevisionCommand {
    /// Lower-case words joined by `_`, e.g. `add_user_flags`
    pub slug: String,
    #[arg(long, value_enum, default_value = "versioned")]
    pub template: TemplateArg,
    /// The revision's `-- message:` header
    #[arg(long)]
    pub message: Option<String>,
    /// The extension an `enable-extension` revision enables
    #[arg(long)]
    pub extension: Option<String>,
    #[command(flatten)]
    pub folder: FolderArg,
}

/// `check`: every file and the graph, the schema files against the revisions, then lint.
#[derive(Clone, Debug, clap::Args)]
pub struct CheckCommand {
    /// Print one JSON document instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub folder: FolderArg,
}

/// `lint`: squawk's rules on every revision and repeatable, with the folder's lint.toml.
#[derive(Clone, Debug, clap::Args)]
pub struct LintCommand {
    /// Write the report as JSON to FILE (`-` or no FILE: standard output)
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub json: Option<String>,
    #[command(flatten)]
    pub folder: FolderArg,
}

/// `rebase`: moves a revision after all others (the fix for two heads).
#[derive(Clone, Debug, clap::Args)]
pub struct RebaseCommand {
    /// The revision to move (file stem or id)
    pub revision: String,
    #[command(flatten)]
    pub folder: FolderArg,
}

impl NewRevisionCommand {
    /// Writes the revision; the first revision of a project creates its folder.
    pub fn run(&self, default: &Path) -> Result<bool, ToolError> {
        let path = self.folder.path(default);
        std::fs::create_dir_all(path).map_err(|error| ToolError::Write {
            path: path.to_path_buf(),
            error,
        })?;
        let args = NewRevisionArgs {
            slug: &self.slug,
            template: self.template.into(),
            message: self.message.as_deref(),
            extension: self.extension.as_deref(),
        };
        crate::new_revision(&self.folder.open(default)?, &args)?;
        Ok(true)
    }
}

impl CheckCommand {
    pub fn run(&self, default: &Path) -> Result<bool, ToolError> {
        crate::check(&self.folder.open(default)?, self.json)
    }
}

impl LintCommand {
    pub fn run(&self, default: &Path) -> Result<bool, ToolError> {
        crate::lint(&self.folder.open(default)?, self.json.as_deref())
    }
}

impl RebaseCommand {
    pub fn run(&self, default: &Path) -> Result<bool, ToolError> {
        crate::rebase(&self.folder.open(default)?, &self.revision)?;
        Ok(true)
    }
}
