//! The version of a started server: as PostgreSQL writes it, and checked against the major asked
//! for (`DISPOSABLE_PG_VERSION`, `ServerOptions::pg_version`).

use crate::settings::Settings;
use crate::{Backend, DisposableError};

/// `15.18` of 150018: from PostgreSQL 10 on, the major times 10000 plus the minor.
pub(crate) fn version_text(version_num: u32) -> String {
    format!("{}.{}", version_num / 10_000, version_num % 10_000)
}

/// A server of another major than the one asked for is refused: its tests or verify would pass for
/// a version they never ran on.
pub(crate) fn check_major(
    backend: Backend,
    settings: &Settings,
    version_num: u32,
) -> Result<(), DisposableError> {
    match settings.pg_version {
        Some(asked) if asked != version_num / 10_000 => Err(DisposableError::VersionMismatch {
            backend,
            asked,
            found: version_text(version_num),
            fix: match backend {
                Backend::Container => {
                    "set DISPOSABLE_PG_IMAGE to an image of that version (the default is postgres:<N>-alpine), or use the local backend"
                }
                Backend::Server => {
                    "point DISPOSABLE_PG_SERVER_URL at a server of that version, or unset it for the local backend"
                }
                Backend::Local => {
                    "set DISPOSABLE_PG_BINDIR to the bin directory of that version, or unset it"
                }
            },
        }),
        _ => Ok(()),
    }
}
