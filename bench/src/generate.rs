//! Synthetic folders of revisions in the project's format: a baseline and N revisions that each
//! create a table, with a column added to an earlier table every tenth revision.

use std::path::Path;

use anyhow::Context;
use migrations_core::template::RevisionDraft;

/// The subfolder the loader reads revisions from.
const VERSIONS: &str = "versions";

/// One synthetic revision: its file stem and its text.
pub struct SyntheticRevision {
    pub name: String,
    pub text: String,
}

/// The file stem of the `index`-th revision (0 is the baseline): one minute apart from 2025-01-01.
pub fn name(index: usize) -> String {
    let (day, minute_of_day) = (1 + index / 1440, index % 1440);
    let (hour, minute) = (minute_of_day / 60, minute_of_day % 60);
    let slug = if index == 0 {
        "baseline".to_owned()
    } else {
        format!("create_bench_{index:05}")
    };
    format!("202501{day:02}{hour:02}{minute:02}_{slug}")
}

/// The SQL of the `index`-th revision (from 1): up and its exact inverse.
fn sections(index: usize) -> (String, String) {
    let table = format!("bench_{index:05}");
    let mut up = format!(
        "CREATE TABLE {table} (\n    \
             id bigserial PRIMARY KEY,\n    \
             tenant_id bigint NOT NULL,\n    \
             name text NOT NULL,\n    \
             attributes jsonb NOT NULL DEFAULT '{{}}'::jsonb,\n    \
             created_at timestamptz NOT NULL DEFAULT now()\n\
         );\n\n\
         CREATE INDEX {table}_tenant_created_idx ON {table} (tenant_id, created_at);\n"
    );
    let mut down = format!("DROP INDEX {table}_tenant_created_idx;\n\nDROP TABLE {table};\n");
    if index.is_multiple_of(10) {
        let earlier = format!("bench_{:05}", index - 9);
        let column = format!("flag_{index:05}");
        up.push_str(&format!(
            "\nALTER TABLE {earlier} ADD COLUMN {column} integer NOT NULL DEFAULT 0\n    \
             CONSTRAINT {earlier}_{column}_check CHECK ({column} >= 0);\n"
        ));
        down = format!("ALTER TABLE {earlier} DROP COLUMN {column};\n\n{down}");
    }
    (up, down)
}

/// The baseline and `count` revisions, oldest first.
pub fn revisions(count: usize) -> Vec<SyntheticRevision> {
    (0..=count)
        .map(|index| {
            let (up, down) = if index == 0 {
                (String::new(), String::new())
            } else {
                sections(index)
            };
            let revises = (index > 0).then(|| name(index - 1));
            let message = if index == 0 {
                "the empty schema".to_owned()
            } else {
                format!("table {index} of a synthetic folder")
            };
            let text = RevisionDraft {
                revises: revises.as_deref(),
                message: Some(&message),
                transactional: true,
                up: &up,
                down: &down,
            }
            .render();
            SyntheticRevision {
                name: name(index),
                text,
            }
        })
        .collect()
}

/// Writes the baseline and `count` revisions into `dir/versions/`; files that already hold the
/// same text are left untouched, so that a crate embedding them is not rebuilt.
pub fn write_folder(dir: &Path, count: usize) -> anyhow::Result<()> {
    let versions = dir.join(VERSIONS);
    std::fs::create_dir_all(&versions)
        .with_context(|| format!("cannot create {}", versions.display()))?;
    for revision in revisions(count) {
        write_if_changed(
            &versions.join(format!("{}.sql", revision.name)),
            &revision.text,
        )?;
    }
    Ok(())
}

/// Writes `text` to `path` unless the file already holds it.
pub fn write_if_changed(path: &Path, text: &str) -> anyhow::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_load_with_the_core_loader() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        write_folder(dir.path(), 25).expect("the folder is written");
        let set = migrations_core::load_dir(dir.path()).expect("the folder loads");
        assert_eq!(set.revisions().len(), 26);
        assert_eq!(set.revisions()[0].name(), "202501010000_baseline");
        let tenth = &set.revisions()[10];
        assert_eq!(tenth.up().statements().len(), 3);
        assert_eq!(tenth.down().statements().len(), 3);
    }

    #[test]
    fn names_stay_valid_timestamps_past_midnight() {
        assert_eq!(name(1440), "202501020000_create_bench_01440");
        assert_eq!(name(2059), "202501021019_create_bench_02059");
    }
}
