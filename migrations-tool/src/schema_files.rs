//! `check`'s look at a folder's schema files: their headers name the revisions they were rendered
//! from, so a stale one is found without a database.

use migrations_core::RevisionSet;
use migrations_core::schema_file::{SCHEMA_SNAPSHOT, SCHEMA_SQL, Source};

use crate::MigrationsFolder;

/// A schema file that is not the one of the folder's revisions.
pub struct StaleFile {
    /// The file as shown to people, e.g. `migrations/schema.sql`.
    pub file: String,
    /// Why, with the fix.
    pub message: String,
}

/// The fix for every stale schema file.
pub fn fix() -> String {
    format!(
        "run `{}` and commit the result",
        migrations_core::hint::commands().schema
    )
}

/// Why the folder's schema files are not those of its revisions, one per file; nothing when they
/// are, or when the folder keeps neither file.
pub fn staleness(folder: &MigrationsFolder, set: &RevisionSet) -> Vec<StaleFile> {
    let read = |name: &str| std::fs::read_to_string(folder.path.join(name)).ok();
    let (sql, json) = (read(SCHEMA_SQL), read(SCHEMA_SNAPSHOT));
    if sql.is_none() && json.is_none() {
        return Vec::new();
    }
    let source = Source::of(set);
    let files = [
        (SCHEMA_SQL, sql.map(|text| Source::from_sql(&text))),
        (
            SCHEMA_SNAPSHOT,
            json.map(|text| Source::from_snapshot_json(&text)),
        ),
    ];
    files
        .into_iter()
        .filter_map(|(name, found)| {
            let file = format!("{}/{name}", folder.display);
            let message = match found {
                None => Some(format!("{file} is missing: {}", fix())),
                Some(found) => source.staleness(&file, found.as_ref()),
            };
            message.map(|message| StaleFile { file, message })
        })
        .collect()
}
