//! Finding hard-coded credentials in SQL, for the safety policy: they would end up in version control,
//! in the binary that embeds the revisions, and in every dry-run script.
//!
//! A finding carries its line and kind only, never the secret itself, so it can be printed anywhere.

use super::lexer::{Lexer, Token, TokenKind};
use super::lines::LineCounter;

/// A hard-coded credential: the 1-based line (relative to the scanned text) where the secret is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    pub line: u32,
    pub kind: CredentialKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CredentialKind {
    /// A string literal right after the key word `PASSWORD`: `CREATE ROLE app PASSWORD 'secret'`,
    /// `ALTER USER app WITH ENCRYPTED PASSWORD 'secret'`, `OPTIONS (password 'secret')`.
    PasswordLiteral,
    /// A URI with a password: `scheme://user:secret@host` or `scheme://host/db?password=secret`.
    UriWithPassword,
    /// A libpq `password=...` setting inside a string literal: `dblink_connect('... password=secret')`.
    ConninfoPassword,
}

/// How deep literals inside literals are scanned as SQL again (a `DO` body holding an `EXECUTE` string
/// is two levels). Bounding it keeps the scan linear: each level reads every byte at most once.
const MAX_NESTING: usize = 4;

/// Hard-coded credentials: a string literal after the key word `PASSWORD` (`PASSWORD NULL` is fine),
/// also inside dollar-quoted bodies (`DO` blocks, function bodies) and inside single-quoted strings
/// (`EXECUTE 'CREATE ROLE app PASSWORD ''secret'''`), which are scanned as SQL again; a connection URI
/// carrying a password anywhere, comments included; and a libpq `password=...` in a quoted string
/// literal. Never fails: unterminated text is scanned up to the end. Findings are ordered by position.
pub fn find_credentials(sql: &str) -> Vec<Credential> {
    let mut findings: Vec<(usize, CredentialKind)> = Vec::new();
    find_uris_with_password(sql, &mut findings);

    // An explicit work list rather than recursion: nesting depth is bounded, but the list is not.
    let mut pending: Vec<(usize, usize, usize)> = vec![(0, sql.len(), 0)];
    while let Some((start, end, depth)) = pending.pop() {
        scan_as_sql(sql, start, end, depth, &mut findings, &mut pending);
    }

    findings.sort_unstable();
    findings.dedup();
    let mut lines = LineCounter::new(sql);
    findings
        .into_iter()
        .map(|(offset, kind)| Credential {
            line: lines.line_at(offset),
            kind,
        })
        .collect()
}

fn scan_as_sql(
    sql: &str,
    start: usize,
    end: usize,
    depth: usize,
    findings: &mut Vec<(usize, CredentialKind)>,
    pending: &mut Vec<(usize, usize, usize)>,
) {
    let Some(text) = sql.get(start..end) else {
        return;
    };
    let mut previous: Option<Token> = None;
    for token in Lexer::new(text) {
        if matches!(token.kind, TokenKind::LineComment | TokenKind::BlockComment) {
            continue;
        }
        let after_password = previous.is_some_and(|previous| {
            previous.kind == TokenKind::Word
                && text[previous.start..previous.end].eq_ignore_ascii_case("password")
        });
        previous = Some(token);
        let content = &text[token.content_start..token.content_end];
        match token.kind {
            TokenKind::String | TokenKind::DollarString if after_password => {
                findings.push((start + token.start, CredentialKind::PasswordLiteral));
                continue;
            }
            TokenKind::String => {
                if let Some(offset) = conninfo_password(content) {
                    findings.push((
                        start + token.content_start + offset,
                        CredentialKind::ConninfoPassword,
                    ));
                }
            }
            // A dollar-quoted string is usually a body of code, where `password = x` is a comparison, not
            // a setting: its own string literals are checked when it is scanned as SQL.
            TokenKind::DollarString => {}
            _ => continue,
        }
        if depth < MAX_NESTING {
            pending.push((
                start + token.content_start,
                start + token.content_end,
                depth + 1,
            ));
        }
    }
}

/// Where a non-empty libpq `password` setting starts in a string's contents (`password=x`,
/// `password = 'x y'`), the key word standing at the start or after whitespace.
fn conninfo_password(content: &str) -> Option<usize> {
    let bytes = content.as_bytes();
    let key = b"password";
    let mut from = 0;
    while let Some(found) = find_ignore_ascii_case(&bytes[from..], key) {
        let at = from + found;
        from = at + key.len();
        if at > 0 && !bytes[at - 1].is_ascii_whitespace() {
            continue;
        }
        let after_key = skip_blanks(bytes, at + key.len());
        if bytes.get(after_key) != Some(&b'=') {
            continue;
        }
        let value = skip_blanks(bytes, after_key + 1);
        if value < bytes.len() {
            return Some(at);
        }
    }
    None
}

fn skip_blanks(bytes: &[u8], from: usize) -> usize {
    let from = from.min(bytes.len());
    bytes[from..]
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .map_or(bytes.len(), |length| from + length)
}

/// Compares at every position: with an 8-byte needle that is still linear.
fn find_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (0..=haystack.len() - needle.len())
        .find(|&at| haystack[at..at + needle.len()].eq_ignore_ascii_case(needle))
}

/// Scans the raw text, wherever it is (comments and literals included), for `scheme://` followed by an
/// authority whose user information has a non-empty password, or a query with a non-empty `password`.
fn find_uris_with_password(sql: &str, findings: &mut Vec<(usize, CredentialKind)>) {
    let bytes = sql.as_bytes();
    let separators: Vec<usize> = sql.match_indices("://").map(|(at, _)| at).collect();
    for (index, &separator) in separators.iter().enumerate() {
        // Scheme characters exclude `:` and `/`, so this never reads back past the previous separator.
        let scheme_start = bytes[..separator]
            .iter()
            .rposition(|&byte| {
                !(byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'))
            })
            .map_or(0, |at| at + 1);
        let scheme = &bytes[scheme_start..separator];
        // A scheme starts with a letter: skip leading non-letters (`1postgres://` is `postgres://`).
        let Some(letter) = scheme.iter().position(|byte| byte.is_ascii_alphabetic()) else {
            continue;
        };
        let uri_start = scheme_start + letter;
        // Bounded by the next separator so that a long run of URIs is still read once.
        let limit = separators.get(index + 1).copied().unwrap_or(bytes.len());
        let rest = &bytes[separator + 3..limit];
        let uri_length = rest
            .iter()
            .position(|&byte| ends_uri(byte))
            .unwrap_or(rest.len());
        let uri = &rest[..uri_length];
        if has_password(uri) {
            findings.push((uri_start, CredentialKind::UriWithPassword));
        }
    }
}

/// Characters that cannot be part of a URI written in SQL: whitespace, quotes and the like.
fn ends_uri(byte: u8) -> bool {
    byte.is_ascii_whitespace() || matches!(byte, b'\'' | b'"' | b'`' | b'<' | b'>' | b'\\')
}

/// `uri` is what follows `://`. As libpq does, user information is what precedes the first `@` when no
/// `/` comes before it.
fn has_password(uri: &[u8]) -> bool {
    let user_information_end = uri.iter().position(|&byte| byte == b'@' || byte == b'/');
    if let Some(at_sign) = user_information_end.filter(|&at| uri[at] == b'@') {
        let user_information = &uri[..at_sign];
        if let Some(colon) = user_information.iter().position(|&byte| byte == b':')
            && colon + 1 < user_information.len()
        {
            return true;
        }
    }
    let Some(query_start) = uri.iter().position(|&byte| byte == b'?') else {
        return false;
    };
    let query = &uri[query_start + 1..];
    let query = &query[..query
        .iter()
        .position(|&byte| byte == b'#')
        .unwrap_or(query.len())];
    query.split(|&byte| byte == b'&').any(|parameter| {
        let mut parts = parameter.splitn(2, |&byte| byte == b'=');
        let key = parts.next().unwrap_or_default();
        let value = parts.next().unwrap_or_default();
        key.eq_ignore_ascii_case(b"password") && !value.is_empty()
    })
}

#[cfg(test)]
mod tests;
