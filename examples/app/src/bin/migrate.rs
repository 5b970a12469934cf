//! `migrate`: this application's revisions, compiled in, for the commands beyond start-up
//! (`current`, `history`, `downgrade`, `stamp`, `upgrade --sql`, ...) on `DATABASE_URL`.

fn main() -> std::process::ExitCode {
    migrations_runtime::cli::main(app::migrations::runner())
}
