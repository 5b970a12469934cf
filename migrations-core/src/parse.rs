//! Parses the text of one revision or repeatable file: its header, its sections and their statements.
//!
//! The parser collects every problem of the file instead of stopping at the first one. Graph rules
//! (what a revision revises, which revision is the baseline) are checked later, across files.

use std::borrow::Cow;
use std::time::Duration;

use crate::diagnostic::Problem;
use crate::header_settings::{LintAllow, parse_lint_allow, parse_timeout};
use crate::revision::{RevisionId, Section};
use crate::sql;

/// A problem at a line of the file being parsed (`None`: the file as a whole).
pub(crate) type LineProblem = (Option<u32>, Problem);

/// A header value with the line it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderValue {
    pub value: String,
    pub line: u32,
}

/// What a revision file says, before its place in the graph is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRevision {
    pub revises: Option<HeaderValue>,
    pub message: Option<String>,
    pub up: Section,
    pub down: Section,
    /// The line of `-- migrate:down`, where an empty down section is reported.
    pub down_marker_line: u32,
    pub transactional: bool,
    /// `-- lock-timeout:`; `Some(Duration::ZERO)` for `0`, no timeout.
    pub lock_timeout: Option<Duration>,
    /// `-- statement-timeout:`; `Some(Duration::ZERO)` for `0`, no timeout.
    pub statement_timeout: Option<Duration>,
    pub lint_allows: Vec<LintAllow>,
}

/// What a repeatable file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRepeatable {
    pub requires: Option<HeaderValue>,
    pub message: Option<String>,
    pub body: Section,
    pub lint_allows: Vec<LintAllow>,
}

const REVISION_HEADERS: &str =
    "`-- revises:`, `-- message:`, `-- lock-timeout:`, `-- statement-timeout:` and `-- lint:`";
const REPEATABLE_HEADERS: &str = "`-- requires:`, `-- message:` and `-- lint:`";
/// Headers that may appear on several lines: each `-- lint: allow` gives its own reason.
const REPEATED_HEADERS: &[&str] = &["lint"];

/// A line of the file: its 1-based number, its text without the newline, and where it starts.
#[derive(Clone, Copy)]
struct Line<'a> {
    number: u32,
    text: &'a str,
    start: usize,
}

fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let mut start = 0;
    text.split('\n').zip(1u32..).map(move |(line, number)| {
        let this = Line {
            number,
            text: line,
            start,
        };
        start += line.len() + 1;
        this
    })
}

/// A comment line's content after `--` and leading blanks; `None` for a line that is not a comment.
fn comment_body(line: &str) -> Option<&str> {
    line.trim_start().strip_prefix("--").map(str::trim_start)
}

/// A `-- key: value` header: a lower-case key directly followed by `:` and then a blank or the end.
fn header(comment: &str) -> Option<(&str, &str)> {
    let key_len = comment
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_lowercase() || (i > 0 && (c.is_ascii_digit() || c == '_' || c == '-')))
        })
        .map_or(comment.len(), |(i, _)| i);
    let (key, rest) = comment.split_at(key_len);
    let value = rest.strip_prefix(':')?;
    if key.is_empty() || !(value.is_empty() || value.starts_with(char::is_whitespace)) {
        return None;
    }
    Some((key, value.trim()))
}

/// A `-- migrate:<name> [options]` marker line: its name and options.
fn marker(line: &str) -> Option<(&str, &str)> {
    let rest = comment_body(line)?.strip_prefix("migrate:")?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    Some((&rest[..end], rest[end..].trim()))
}

/// The headers of a file: the leading lines that are blank or comments.
struct Headers {
    values: Vec<(String, HeaderValue)>,
    /// Byte offset just past the header block, and the line it is on.
    end: usize,
    end_line: u32,
}

fn read_headers(
    text: &str,
    known: &[&str],
    known_text: &'static str,
    problems: &mut Vec<LineProblem>,
) -> Headers {
    let mut values: Vec<(String, HeaderValue)> = Vec::new();
    let mut end = (text.len(), 0);
    for line in lines(text) {
        let Some(comment) = comment_body(line.text).filter(|_| marker(line.text).is_none()) else {
            if line.text.trim().is_empty() {
                continue;
            }
            end = (line.start, line.number);
            break;
        };
        let Some((key, value)) = header(comment) else {
            continue;
        };
        if !known.contains(&key) {
            problems.push((
                Some(line.number),
                Problem::UnknownHeader {
                    key: key.to_owned(),
                    known: known_text,
                },
            ));
        } else if let Some((_, first)) = values
            .iter()
            .find(|(k, _)| k == key && !REPEATED_HEADERS.contains(&key))
        {
            problems.push((
                Some(line.number),
                Problem::DuplicateHeader {
                    key: key.to_owned(),
                    first_line: first.line,
                },
            ));
        } else if value.is_empty() {
            problems.push((
                Some(line.number),
                Problem::EmptyHeader {
                    key: key.to_owned(),
                },
            ));
        } else {
            values.push((
                key.to_owned(),
                HeaderValue {
                    value: value.to_owned(),
                    line: line.number,
                },
            ));
        }
    }
    let end_line = if end.1 == 0 {
        lines(text).count() as u32
    } else {
        end.1
    };
    Headers {
        values,
        end: end.0,
        end_line,
    }
}

impl Headers {
    fn take(&mut self, key: &str) -> Option<HeaderValue> {
        let i = self.values.iter().position(|(k, _)| k == key)?;
        Some(self.values.swap_remove(i).1)
    }

    fn timeout(&mut self, key: &str, problems: &mut Vec<LineProblem>) -> Option<Duration> {
        let header = self.take(key)?;
        parse_timeout(key, &header.value)
            .map_err(|problem| problems.push((Some(header.line), problem)))
            .ok()
    }

    /// Every `-- lint:` header, in file order.
    fn lint_allows(&mut self, problems: &mut Vec<LineProblem>) -> Vec<LintAllow> {
        let mut headers: Vec<HeaderValue> = Vec::new();
        while let Some(header) = self.take("lint") {
            headers.push(header);
        }
        headers.sort_by_key(|header| header.line);
        headers
            .into_iter()
            .filter_map(|header| {
                parse_lint_allow(&header.value, header.line)
                    .map_err(|problem| problems.push((Some(header.line), problem)))
                    .ok()
            })
            .collect()
    }
}

/// Builds a section from the raw text between two markers, which starts on `line` of the file.
fn section(raw: &str, line: u32, problems: &mut Vec<LineProblem>) -> Section {
    let trimmed_start = raw.len() - raw.trim_start().len();
    let first_line = line + raw[..trimmed_start].matches('\n').count() as u32;
    let sql = raw.trim();
    let statements = match sql::split_statements(sql) {
        Ok(spans) => spans,
        Err(error) => {
            let error = error.with_line_offset(first_line - 1);
            problems.push((Some(error.line()), Problem::Sql(error)));
            Vec::new()
        }
    };
    Section::from_parts(
        Cow::Owned(sql.to_owned()),
        first_line,
        Cow::Owned(statements),
    )
}

fn check_credentials(text: &str, problems: &mut Vec<LineProblem>) {
    for credential in sql::find_credentials(text) {
        problems.push((
            Some(credential.line),
            Problem::Credential {
                kind: credential.kind,
            },
        ));
    }
}

/// Parses a revision file (already normalised: no BOM, LF line endings).
///
/// Fails only when the file's structure cannot be read (markers missing, doubled or swapped);
/// other problems are returned next to the revision, which still takes its place in the graph so
/// that one bad statement does not turn into errors about the revisions that revise it.
pub fn parse_revision(text: &str) -> Result<(ParsedRevision, Vec<LineProblem>), Vec<LineProblem>> {
    let mut problems = Vec::new();
    let mut headers = read_headers(
        text,
        &[
            "revises",
            "message",
            "lock-timeout",
            "statement-timeout",
            "lint",
        ],
        REVISION_HEADERS,
        &mut problems,
    );
    let lock_timeout = headers.timeout("lock-timeout", &mut problems);
    let statement_timeout = headers.timeout("statement-timeout", &mut problems);
    let lint_allows = headers.lint_allows(&mut problems);
    if headers.end < text.len() && marker(&text[headers.end..]).is_none() {
        problems.push((Some(headers.end_line), Problem::SqlBeforeUp));
    }

    let mut up: Option<Line<'_>> = None;
    let mut down: Option<Line<'_>> = None;
    let mut transactional = true;
    for line in lines(text) {
        let Some((name, options)) = marker(line.text) else {
            continue;
        };
        let slot = match name {
            "up" => &mut up,
            "down" => &mut down,
            _ => {
                problems.push((
                    Some(line.number),
                    Problem::UnknownMarker {
                        text: line.text.trim().to_owned(),
                    },
                ));
                continue;
            }
        };
        if let Some(first) = slot {
            let marker = if name == "up" { "up" } else { "down" };
            problems.push((
                Some(line.number),
                Problem::DuplicateMarker {
                    marker,
                    first_line: first.number,
                },
            ));
            continue;
        }
        *slot = Some(line);
        for option in options.split_whitespace() {
            match (name, option) {
                ("up", "transaction:false") => transactional = false,
                ("up", "transaction:true") => {}
                ("down", "transaction:false" | "transaction:true") => {
                    problems.push((Some(line.number), Problem::TransactionOptionOnDown));
                }
                _ => problems.push((
                    Some(line.number),
                    Problem::UnknownMarkerOption {
                        option: option.to_owned(),
                    },
                )),
            }
        }
    }

    check_credentials(text, &mut problems);
    let (up, down) = match (up, down) {
        (Some(up), Some(down)) if up.start < down.start => (up, down),
        (Some(up), Some(down)) => {
            problems.push((
                Some(down.number),
                Problem::DownBeforeUp { up_line: up.number },
            ));
            return Err(problems);
        }
        (up, down) => {
            if up.is_none() {
                problems.push((None, Problem::MissingUpMarker));
            }
            if down.is_none() {
                problems.push((None, Problem::MissingDownMarker));
            }
            return Err(problems);
        }
    };
    let after = |line: Line<'_>| (line.start + line.text.len() + 1).min(text.len());
    let up_section = section(&text[after(up)..down.start], up.number + 1, &mut problems);
    let down_section = section(&text[after(down)..], down.number + 1, &mut problems);
    let parsed = ParsedRevision {
        revises: headers.take("revises"),
        message: headers.take("message").map(|h| h.value),
        up: up_section,
        down: down_section,
        down_marker_line: down.number,
        transactional,
        lock_timeout,
        statement_timeout,
        lint_allows,
    };
    Ok((parsed, problems))
}

/// Parses a repeatable migration file (already normalised).
pub fn parse_repeatable(text: &str) -> Result<ParsedRepeatable, Vec<LineProblem>> {
    let mut problems = Vec::new();
    let mut headers = read_headers(
        text,
        &["requires", "message", "lint"],
        REPEATABLE_HEADERS,
        &mut problems,
    );
    let lint_allows = headers.lint_allows(&mut problems);
    for line in lines(text) {
        if marker(line.text).is_some() {
            problems.push((Some(line.number), Problem::MarkerInRepeatable));
        }
    }
    check_credentials(text, &mut problems);
    let body = section(&text[headers.end..], headers.end_line.max(1), &mut problems);
    if body.is_empty() && problems.is_empty() {
        problems.push((None, Problem::EmptyRepeatable));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ParsedRepeatable {
        requires: headers.take("requires"),
        message: headers.take("message").map(|h| h.value),
        body,
        lint_allows,
    })
}

/// A parsed revision file, with what the graph checks need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionFile {
    pub id: RevisionId,
    /// The file stem, `YYYYMMDDHHMM_slug`.
    pub name: String,
    /// The file as shown in messages.
    pub file: String,
    /// What the file says.
    pub parsed: ParsedRevision,
}

impl RevisionFile {
    pub fn slug(&self) -> &str {
        &self.name[13..]
    }
}

/// A parsed repeatable file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepeatableFile {
    pub name: String,
    pub file: String,
    /// What the file says.
    pub parsed: ParsedRepeatable,
}

#[cfg(test)]
mod tests;
