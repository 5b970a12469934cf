//! `migrate` over a folder read at start-up (`BENCH_MIGRATIONS_DIR`): the command line of an
//! embedding binary, run by the bench as a whole process on its synthetic folders.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::var_os("BENCH_MIGRATIONS_DIR") else {
        eprintln!("error: set BENCH_MIGRATIONS_DIR to a folder of revisions");
        return ExitCode::FAILURE;
    };
    let dir = std::path::PathBuf::from(dir);
    match migrations_core::load_dir(&dir) {
        Ok(set) => migrations_runtime::cli::main(migrations_runtime::Runner::new(set)),
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
