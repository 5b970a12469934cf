//! `check`'s look at a folder's schema files: their headers name the revisions they were rendered
//! from, so a stale one is found without a database.

use migrations_core::RevisionSet;
use migrations_core::schema_file::{SCHEMA_SNAPSHOT, SCHEMA_SQL, Source};

use crate::MigrationsFolder;

/// Why the folder's schema files are not those of its revisions, one message per file; nothing
/// when they are, or when the folder keeps neither file.
pub fn staleness(folder: &MigrationsFolder, set: &RevisionSet) -> Vec<String> {
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
            match found {
                None => Some(format!(
                    "{file} is missing: run `{}` and commit the result",
                    migrations_core::hint::commands().schema
                )),
                Some(found) => source.staleness(&file, found.as_ref()),
            }
        })
        .collect()
}
