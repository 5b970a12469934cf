//! The parameters of a connection string: where each is, percent-decoded, and the string with
//! some of them taken out, replaced or its passwords hidden.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// One `key=value` parameter of a connection string, and where it is.
pub(super) struct Param {
    pub(super) key: String,
    pub(super) value: String,
    pub(super) span: std::ops::Range<usize>,
}

pub(super) fn is_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query parameters of a URL.
pub(super) fn url_params(text: &str) -> Vec<Param> {
    let Some(start) = text.find('?').map(|q| q + 1) else {
        return Vec::new();
    };
    let mut params = Vec::new();
    let mut offset = start;
    for pair in text[start..].split('&') {
        let span = offset..offset + pair.len();
        offset += pair.len() + 1;
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.push(Param {
            key: percent_decode(key),
            value: percent_decode(value),
            span,
        });
    }
    params
}

/// The parameters of a `key=value` connection string; values may be single-quoted.
pub(super) fn keyword_params(text: &str) -> Vec<Param> {
    let bytes = text.as_bytes();
    let mut params = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return params;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = text[start..i].to_owned();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
        }
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                let c = text[i..].chars().next().unwrap_or_default();
                value.push(c);
                i += c.len_utf8().max(1);
            }
            i += 1;
        } else {
            let value_start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            value.push_str(&text[value_start..i]);
        }
        params.push(Param {
            key,
            value,
            span: start..i.min(text.len()),
        });
    }
}

/// The text without the given parameter spans (and the separators they leave behind).
pub(super) fn remove_spans(text: &str, spans: &[std::ops::Range<usize>], url: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for span in spans {
        out.push_str(&text[last..span.start]);
        last = span.end;
    }
    out.push_str(&text[last..]);
    if url {
        while out.contains("&&") {
            out = out.replace("&&", "&");
        }
        out = out.replace("?&", "?");
        while out.ends_with('&') || out.ends_with('?') {
            out.pop();
        }
    }
    out
}

/// The connection string with every password replaced by `***`.
pub(super) fn redact(text: &str) -> String {
    let mut spans: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    if is_url(text) {
        let rest_start = text.find("://").map_or(0, |i| i + 3);
        let authority_end = text[rest_start..]
            .find(['/', '?'])
            .map_or(text.len(), |i| rest_start + i);
        if let Some(at) = text[rest_start..authority_end].rfind('@') {
            let userinfo = rest_start..rest_start + at;
            if let Some(colon) = text[userinfo.clone()].find(':') {
                spans.push((userinfo.start + colon + 1..userinfo.end, "***"));
            }
        }
        for param in url_params(text) {
            if param.key == "password" {
                spans.push((param.span, "password=***"));
            }
        }
    } else {
        for param in keyword_params(text) {
            if param.key == "password" {
                spans.push((param.span, "password=***"));
            }
        }
    }
    spans.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (span, replacement) in spans {
        out.push_str(&text[last..span.start]);
        out.push_str(replacement);
        last = span.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The parameters that name the server: the driver adds each to a list of servers to try, so
/// a string that names another server replaces all of them.
const SERVER_KEYS: [&str; 3] = ["host", "hostaddr", "port"];

/// What a query parameter's key or value escapes: all but RFC 3986's unreserved characters.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `base` (a URL or `key=value` string) with the parameters of the `key=value` string
/// `overrides` in place of its own.
pub(super) fn with_overrides(base: &str, overrides: &str) -> String {
    let new = keyword_params(overrides);
    let names_server = new.iter().any(|p| SERVER_KEYS.contains(&p.key.as_str()));
    let replaced = |param: &Param| {
        new.iter().any(|p| p.key == param.key)
            || (names_server && SERVER_KEYS.contains(&param.key.as_str()))
    };
    let base = base.trim();
    if !is_url(base) {
        let spans: Vec<_> = keyword_params(base)
            .into_iter()
            .filter(|param| replaced(param))
            .map(|param| param.span)
            .collect();
        let kept = remove_spans(base, &spans, false);
        return format!("{} {}", kept.trim_end(), overrides.trim());
    }
    let spans: Vec<_> = url_params(base)
        .into_iter()
        .filter(|param| replaced(param))
        .map(|param| param.span)
        .collect();
    let mut kept = remove_spans(base, &spans, true);
    if names_server {
        kept = without_url_hosts(&kept);
    }
    // Query parameters come after the path and the user info, and the driver lets them win.
    let query: Vec<String> = new
        .iter()
        .map(|p| {
            format!(
                "{}={}",
                utf8_percent_encode(&p.key, ESCAPED),
                utf8_percent_encode(&p.value, ESCAPED)
            )
        })
        .collect();
    let separator = if kept.contains('?') { '&' } else { '?' };
    format!("{kept}{separator}{}", query.join("&"))
}

/// A URL without the hosts and ports of its authority (`postgres://user@/db`), its user info kept.
fn without_url_hosts(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    let hosts_start = url[start..end]
        .rfind('@')
        .map_or(start, |at| start + at + 1);
    format!("{}{}", &url[..hosts_start], &url[end..])
}
