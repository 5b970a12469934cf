//! `migrate`: this project's revisions, compiled in, applied to the database of `DATABASE_URL`.
//!
//! A copied binary works with no source tree: staging and production run it directly.

fn main() -> std::process::ExitCode {
    migrations_runtime::cli::main(migrations::runner())
}
