//! The `migrate` command line over a folder read at start-up (`MIGRATE_FIXTURE_DIR`), so that the
//! tests run the real command line as a process on their fixture folders. Like `embed!`, it
//! carries the folder's `schema.snapshot.json` when there is one.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::var_os("MIGRATE_FIXTURE_DIR") else {
        eprintln!("error: set MIGRATE_FIXTURE_DIR to a folder of revisions");
        return ExitCode::FAILURE;
    };
    let dir = std::path::PathBuf::from(dir);
    let display = dir
        .file_name()
        .map_or_else(String::new, |n| format!("fixtures/{}", n.to_string_lossy()));
    match migrations_core::load_dir_as(&dir, &display) {
        Ok(set) => {
            let runner = migrations_runtime::Runner::new(set);
            let snapshot = dir.join(migrations_core::schema_file::SCHEMA_SNAPSHOT);
            migrations_runtime::cli::main(match std::fs::read_to_string(snapshot) {
                Ok(text) => runner.with_head_schema(text),
                Err(_) => runner,
            })
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
