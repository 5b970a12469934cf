//! `history` and `heads`: the revisions of the folder as files, without a database.

use migrations_core::graph::RevisionGraph;

use crate::{MigrationsFolder, ToolError};

/// One line per revision (id, slug, parent, flags, message), then the repeatables; fails when a
/// file could not be read.
pub fn history(folder: &MigrationsFolder) -> Result<bool, ToolError> {
    let parsed = folder.parse();
    let heads: Vec<String> = RevisionGraph::new(&parsed.revisions)
        .heads()
        .iter()
        .map(|h| h.name.clone())
        .collect();
    let width = parsed
        .revisions
        .iter()
        .map(|r| r.slug().len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<12}  {:<width$}  {:<12}  {:<16}  MESSAGE",
        "ID", "SLUG", "REVISES", "FLAGS"
    );
    for (i, revision) in parsed.revisions.iter().enumerate() {
        let parent = revision
            .parsed
            .revises
            .as_ref()
            .map_or("-", |h| h.value.get(..12).unwrap_or(&h.value));
        let mut flags = Vec::new();
        if i == 0 {
            flags.push("base");
        }
        if heads.contains(&revision.name) {
            flags.push("head");
        }
        if !revision.parsed.transactional {
            flags.push("no-transaction");
        }
        let flags = if flags.is_empty() {
            "-".to_owned()
        } else {
            flags.join(",")
        };
        let message = revision.parsed.message.as_deref().unwrap_or("");
        let line = format!(
            "{:<12}  {:<width$}  {parent:<12}  {flags:<16}  {message}",
            revision.id.to_string(),
            revision.slug()
        );
        println!("{}", line.trim_end());
    }
    for repeatable in &parsed.repeatables {
        let requires = repeatable
            .parsed
            .requires
            .as_ref()
            .map_or("-", |h| h.value.as_str());
        let message = repeatable.parsed.message.as_deref().unwrap_or("");
        let line = format!(
            "{:<12}  {:<width$}  {requires:<12}  {:<16}  {message}",
            "repeatable", repeatable.name, "-"
        );
        println!("{}", line.trim_end());
    }
    if !parsed.diagnostics.is_empty() {
        eprintln!(
            "{} files could not be read; `{}` shows why",
            parsed.diagnostics.len(),
            migrations_core::hint::commands().check
        );
        return Ok(false);
    }
    Ok(true)
}

/// The head(s); fails when there are several.
pub fn heads(folder: &MigrationsFolder) -> Result<bool, ToolError> {
    let parsed = folder.parse();
    let heads = RevisionGraph::new(&parsed.revisions).heads();
    for head in &heads {
        println!("{} (head)", head.name);
    }
    if heads.len() > 1 {
        eprintln!(
            "{} heads: the graph must be a single line; move the newer one after the other with `{} <revision>`",
            heads.len(),
            migrations_core::hint::commands().rebase
        );
        return Ok(false);
    }
    Ok(true)
}
