//! A PostgreSQL connection URL whose password never shows in `Display` or `Debug`.

use std::fmt;

/// A `postgresql://` URL (or a `key=value` connection string) that keeps its password out of every
/// rendering.
///
/// `Display` and `Debug` print the URL with the password replaced by `***`; [`SecretUrl::expose`] hands
/// out the real string, to pass to a driver or to `psql`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretUrl(String);

const REDACTED: &str = "***";

impl SecretUrl {
    /// Wraps a URL; nothing is checked here, the driver parses it when connecting.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The real URL, password included: hand it to a driver, never to a log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// The same server and credentials with another database (the URL's path replaced).
    pub fn with_database(&self, database: &str) -> SecretUrl {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return SecretUrl(replace_conninfo_key(&self.0, "dbname", database));
        };
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let query = tail.find('?').map_or("", |start| &tail[start..]);
        SecretUrl(format!(
            "{scheme}://{authority}/{}{query}",
            percent_encode(database)
        ))
    }

    /// The URL with the query parameter `key` set to `value` (replacing an earlier value), e.g.
    /// `sslmode=verify-full`.
    pub fn with_param(&self, key: &str, value: &str) -> SecretUrl {
        if !self.0.contains("://") {
            return SecretUrl(replace_conninfo_key(&self.0, key, value));
        }
        let (base, query) = match self.0.split_once('?') {
            Some((base, query)) => (base, query),
            None => (self.0.as_str(), ""),
        };
        let mut pairs: Vec<String> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| pair.split('=').next() != Some(key))
            .map(str::to_owned)
            .collect();
        pairs.push(format!("{key}={}", percent_encode(value)));
        SecretUrl(format!("{base}?{}", pairs.join("&")))
    }
}

impl From<String> for SecretUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for SecretUrl {
    fn from(url: &str) -> Self {
        Self(url.to_owned())
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({:?})", self.redacted())
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for user names, passwords, database
/// names and socket paths inside a URL.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn redact(url: &str) -> String {
    let with_userinfo_redacted = match url.split_once("://") {
        Some((scheme, rest)) => {
            // The password is everything between the first ':' of the userinfo and its last '@';
            // searching the whole part before the query keeps a stray '/' in a password hidden too.
            let before_query = rest.find('?').unwrap_or(rest.len());
            match rest[..before_query].rfind('@') {
                Some(at) => match rest[..at].find(':') {
                    Some(colon) => {
                        format!("{scheme}://{}:{REDACTED}{}", &rest[..colon], &rest[at..])
                    }
                    None => url.to_owned(),
                },
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    };
    redact_password_parameters(&with_userinfo_redacted)
}

/// Hides the value of every `password=` parameter, in a URL query or a `key=value` string.
fn redact_password_parameters(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut result = String::with_capacity(text.len());
    let mut copied_up_to = 0;
    let mut search_from = 0;
    while let Some(found) = lower[search_from..].find("password=") {
        let key_start = search_from + found;
        let value_start = key_start + "password=".len();
        search_from = value_start;
        let starts_parameter = key_start == 0
            || matches!(
                text.as_bytes()[key_start - 1],
                b'?' | b'&' | b' ' | b'\t' | b'\n'
            );
        if !starts_parameter {
            continue;
        }
        let value_end = conninfo_value_end(text, value_start);
        result.push_str(&text[copied_up_to..value_start]);
        result.push_str(REDACTED);
        copied_up_to = value_end;
        search_from = value_end.max(value_start);
    }
    result.push_str(&text[copied_up_to..]);
    result
}

/// Where a parameter value ends: at `&` in a URL query; in a `key=value` string at whitespace outside
/// single quotes (backslash escapes a character).
fn conninfo_value_end(text: &str, value_start: usize) -> usize {
    let in_url_query = text.contains("://");
    let bytes = text.as_bytes();
    let mut index = value_start;
    let mut quoted = false;
    while index < bytes.len() {
        match bytes[index] {
            b'&' if in_url_query => return index,
            b'\\' if !in_url_query => index += 1,
            b'\'' if !in_url_query => quoted = !quoted,
            byte if byte.is_ascii_whitespace() && !quoted => return index,
            _ => {}
        }
        index += 1;
    }
    bytes.len()
}

fn replace_conninfo_key(conninfo: &str, key: &str, value: &str) -> String {
    let quoted = format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"));
    let mut parts: Vec<String> = conninfo
        .split_whitespace()
        .filter(|part| part.split('=').next() != Some(key))
        .map(str::to_owned)
        .collect();
    parts.push(format!("{key}={quoted}"));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_render() {
        let cases = [
            (
                "postgresql://app:s3cret@db.example:5432/main",
                "postgresql://app:***@db.example:5432/main",
            ),
            (
                "postgresql://app:p%40ss/word@host/db?sslmode=require",
                "postgresql://app:***@host/db?sslmode=require",
            ),
            (
                "postgresql://app@host/db?password=s3cret&sslmode=require",
                "postgresql://app@host/db?password=***&sslmode=require",
            ),
            (
                "postgres://postgres@%2Fdev%2Fshm%2Fdpg-1%2Fsock:5432/postgres",
                "postgres://postgres@%2Fdev%2Fshm%2Fdpg-1%2Fsock:5432/postgres",
            ),
            (
                "host=db user=app password=s3cret dbname=x",
                "host=db user=app password=*** dbname=x",
            ),
            (
                r"host=db password='it\'s secret' dbname=x",
                "host=db password=*** dbname=x",
            ),
            (
                "host=db password='a''b c' dbname=x",
                "host=db password=*** dbname=x",
            ),
            ("postgresql://host/db", "postgresql://host/db"),
        ];
        for (url, expected) in cases {
            let secret = SecretUrl::new(url);
            assert_eq!(secret.to_string(), expected, "Display of {url}");
            assert_eq!(
                format!("{secret:?}"),
                format!("SecretUrl({expected:?})"),
                "Debug of {url}"
            );
            assert_eq!(secret.expose(), url);
        }
    }

    #[test]
    fn database_and_parameters_are_replaced() {
        let url = SecretUrl::new("postgresql://app:pw@host:5432/postgres?sslmode=prefer");
        assert_eq!(
            url.with_database("dpg_1").expose(),
            "postgresql://app:pw@host:5432/dpg_1?sslmode=prefer"
        );
        assert_eq!(
            url.with_param("sslmode", "require").expose(),
            "postgresql://app:pw@host:5432/postgres?sslmode=require"
        );
        assert_eq!(
            SecretUrl::new("postgresql://host")
                .with_database("a b")
                .expose(),
            "postgresql://host/a%20b"
        );
        assert_eq!(
            SecretUrl::new("host=h dbname=x")
                .with_database("y")
                .expose(),
            "host=h dbname='y'"
        );
    }
}
