//! `new-migration`, `check`, `lint`, `history`, `heads` and `rebase`: `migrations-tool`'s
//! commands, which `cargo migrations` runs too, on the folder `--migrations` names.

use std::process::ExitCode;

use migrations_tool::NewRevisionArgs;

use crate::flags::{Check, Heads, History, Lint, NewMigration, Rebase};

fn exit_code(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

impl NewMigration {
    pub fn run(self, root: &std::path::Path) -> anyhow::Result<ExitCode> {
        let folder = self.migrations.resolve(root)?;
        let args = NewRevisionArgs {
            slug: &self.slug,
            template: self.template,
            message: self.message.as_deref(),
            extension: self.extension.as_deref(),
        };
        migrations_tool::new_revision(&folder, &args)?;
        Ok(ExitCode::SUCCESS)
    }
}

impl Check {
    pub fn run(self, root: &std::path::Path) -> anyhow::Result<ExitCode> {
        let folder = self.migrations.resolve(root)?;
        Ok(exit_code(migrations_tool::check(&folder, self.json)?))
    }
}

impl Lint {
    pub fn run(self, root: &std::path::Path) -> anyhow::Result<ExitCode> {
        let folder = self.migrations.resolve(root)?;
        Ok(exit_code(migrations_tool::lint(
            &folder,
            self.json.as_deref(),
        )?))
    }
}

impl History {
    pub fn run(self, root: &std::path::Path) -> anyhow::Result<ExitCode> {
        let folder = self.migrations.resolve(root)?;
        Ok(exit_code(migrations_tool::history(&folder)?))
    }
}

impl Heads {
    pub fn run(self, root: &std::path::Path) -> anyhow::Result<ExitCode> {
        let folder = self.migrations.resolve(root)?;
        Ok(exit_code(migrations_tool::heads(&folder)?))
    }
}

impl Rebase {
    pub fn run(self, root: &std::path::Path) -> anyhow::Result<ExitCode> {
        let folder = self.migrations.resolve(root)?;
        migrations_tool::rebase(&folder, &self.revision)?;
        Ok(ExitCode::SUCCESS)
    }
}
