//! The `DISPOSABLE_PG*` environment variables, read and checked once per server start.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Backend, DisposableError, SecretUrl, ServerOptions};

pub(crate) const BACKEND_VAR: &str = "DISPOSABLE_PG";
pub(crate) const SERVER_URL_VAR: &str = "DISPOSABLE_PG_SERVER_URL";
pub(crate) const IMAGE_VAR: &str = "DISPOSABLE_PG_IMAGE";
pub(crate) const BINDIR_VAR: &str = "DISPOSABLE_PG_BINDIR";
pub(crate) const VERSION_VAR: &str = "DISPOSABLE_PG_VERSION";
pub(crate) const OS_USER_VAR: &str = "DISPOSABLE_PG_OS_USER";
pub(crate) const KEEP_VAR: &str = "DISPOSABLE_PG_KEEP";
pub(crate) const DIR_VAR: &str = "DISPOSABLE_PG_DIR";
pub(crate) const STALE_HOURS_VAR: &str = "DISPOSABLE_PG_STALE_HOURS";
pub(crate) const DROP_ROLES_VAR: &str = "DISPOSABLE_PG_SERVER_DROP_ROLES";

/// The official image, pulled by testcontainers where a registry is reachable.
pub(crate) const DEFAULT_IMAGE: &str = "postgres:15-alpine";

/// The official image of a major version: `postgres:18-alpine`.
pub(crate) fn official_image(pg_version: Option<u32>) -> String {
    match pg_version {
        Some(major) => format!("postgres:{major}-alpine"),
        None => DEFAULT_IMAGE.to_owned(),
    }
}
pub(crate) const DEFAULT_OS_USER: &str = "postgres";
const DEFAULT_STALE_HOURS: u64 = 24;

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// `None`: automatic choice.
    pub backend: Option<Backend>,
    pub server_url: Option<SecretUrl>,
    pub image: String,
    /// Whether `image` was given (`DISPOSABLE_PG_IMAGE` or the options) rather than defaulted.
    pub image_given: bool,
    pub bindir: Option<PathBuf>,
    /// Local backend: the PostgreSQL major version to find; `None`: whichever is installed.
    pub pg_version: Option<u32>,
    pub os_user: String,
    pub keep: bool,
    pub base_dir: Option<PathBuf>,
    pub stale_after: Duration,
    pub drop_new_roles: bool,
}

impl Settings {
    pub(crate) fn from_env() -> Result<Self, DisposableError> {
        let backend = match read(BACKEND_VAR)? {
            None => None,
            Some(value) if value.trim().is_empty() || value.trim() == "auto" => None,
            Some(value) => {
                Some(
                    value
                        .parse::<Backend>()
                        .map_err(|_| DisposableError::InvalidSetting {
                            variable: BACKEND_VAR,
                            value: value.clone(),
                            expected: "expected auto, container, local or server".into(),
                        })?,
                )
            }
        };
        let server_url = read(SERVER_URL_VAR)?
            .filter(|url| !url.trim().is_empty())
            .map(|url| check_server_url(SecretUrl::new(url.trim())))
            .transpose()?;
        let image = read(IMAGE_VAR)?
            .filter(|image| !image.trim().is_empty())
            .map(|image| check_image(&image))
            .transpose()?;
        let stale_hours = match read(STALE_HOURS_VAR)? {
            None => DEFAULT_STALE_HOURS,
            Some(value) => {
                value
                    .trim()
                    .parse::<u64>()
                    .map_err(|_| DisposableError::InvalidSetting {
                        variable: STALE_HOURS_VAR,
                        value: value.clone(),
                        expected: "expected a whole number of hours".into(),
                    })?
            }
        };
        let pg_version = read(VERSION_VAR)?
            .filter(|value| !value.trim().is_empty())
            .map(check_major)
            .transpose()?;
        Ok(Settings {
            backend,
            server_url,
            image_given: image.is_some(),
            image: image.unwrap_or_else(|| official_image(pg_version)),
            bindir: read(BINDIR_VAR)?
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from),
            pg_version,
            os_user: read(OS_USER_VAR)?
                .filter(|user| !user.is_empty())
                .unwrap_or_else(|| DEFAULT_OS_USER.to_owned()),
            keep: flag(KEEP_VAR, false)?,
            base_dir: read(DIR_VAR)?
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from),
            stale_after: Duration::from_secs(stale_hours.saturating_mul(3600)),
            drop_new_roles: flag(DROP_ROLES_VAR, true)?,
        })
    }

    /// Options given in code win over the environment.
    pub(crate) fn with_options(mut self, options: &ServerOptions) -> Result<Self, DisposableError> {
        if let Some(backend) = options.backend {
            self.backend = Some(backend);
        }
        if let Some(url) = &options.server_url {
            self.server_url = Some(check_server_url(url.clone())?);
        }
        if let Some(major) = options.pg_version {
            self.pg_version = Some(check_major(major.to_string())?);
            if !self.image_given {
                self.image = official_image(self.pg_version);
            }
        }
        if let Some(image) = &options.image {
            self.image = check_image(image)?;
            self.image_given = true;
        }
        Ok(self)
    }
}

fn read(variable: &'static str) -> Result<Option<String>, DisposableError> {
    match std::env::var(variable) {
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(value)) => Err(DisposableError::InvalidSetting {
            variable,
            value: value.to_string_lossy().into_owned(),
            expected: "expected UTF-8 text".into(),
        }),
    }
}

fn flag(variable: &'static str, default: bool) -> Result<bool, DisposableError> {
    let Some(value) = read(variable)? else {
        return Ok(default);
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "" => Ok(default),
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(DisposableError::InvalidSetting {
            variable,
            value,
            expected: "expected 1 or 0".into(),
        }),
    }
}

/// Before 10 a major had two numbers (9.6), which no supported version has.
fn check_major(value: String) -> Result<u32, DisposableError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|major| *major >= 10)
        .ok_or_else(|| DisposableError::InvalidSetting {
            variable: VERSION_VAR,
            value,
            expected: "expected a PostgreSQL major version such as 15, 16 or 18".into(),
        })
}

fn check_server_url(url: SecretUrl) -> Result<SecretUrl, DisposableError> {
    let text = url.expose();
    if text.starts_with("postgresql://") || text.starts_with("postgres://") {
        Ok(url)
    } else {
        Err(DisposableError::InvalidSetting {
            variable: SERVER_URL_VAR,
            value: url.redacted(),
            expected: "expected a postgresql://user:password@host:port/database URL".into(),
        })
    }
}

/// Image references go into Docker API paths unescaped, so only their documented characters pass.
fn check_image(image: &str) -> Result<String, DisposableError> {
    let image = image.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/:@".contains(c);
    if !image.is_empty() && image.chars().all(allowed) && !image.starts_with(['-', '/', ':']) {
        Ok(image.to_owned())
    } else {
        Err(DisposableError::InvalidSetting {
            variable: IMAGE_VAR,
            value: image.to_owned(),
            expected: "expected an image reference such as postgres:15-alpine or local/postgres:15"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_asked_for_picks_the_official_image_of_it_unless_an_image_was_given() {
        let with_version = |image: Option<&str>| {
            let mut settings = Settings::from_env().expect("the environment's settings");
            settings.image_given = image.is_some();
            settings.image = image.map_or_else(|| official_image(None), str::to_owned);
            settings
                .with_options(&ServerOptions {
                    pg_version: Some(18),
                    ..ServerOptions::default()
                })
                .expect("settings with a version")
        };
        let defaulted = with_version(None);
        assert_eq!(
            (defaulted.image.as_str(), defaulted.pg_version),
            ("postgres:18-alpine", Some(18))
        );
        assert_eq!(
            with_version(Some("local/postgres:18")).image,
            "local/postgres:18"
        );
        assert_eq!(official_image(None), "postgres:15-alpine");
    }
}
