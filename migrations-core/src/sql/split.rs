//! Splitting SQL into the statements psql would send one by one, for revisions that must run outside a
//! transaction (a multi-statement simple query is an implicit transaction on the server).

use super::lexer::{Lexer, Token, TokenKind};
use super::lines::LineCounter;

/// One statement of a SQL text: byte range into the input (from its first token to the end of its last
/// token, without the terminating `;` and without comments or whitespace before or after it), and the
/// 1-based line (relative to the input) of its first token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementSpan {
    pub start: u32,
    pub end: u32,
    pub line: u32,
}

impl StatementSpan {
    /// The statement's text; `sql` must be the text the span was split from.
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        sql.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// Why a SQL text cannot be split into statements the runner can send to the server on its own.
///
/// The message names the problem; [`SplitError::line`] says where and [`SplitError::help`] how to
/// fix it, so that callers place both the way they report other problems of a file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    #[error("unterminated quoted string")]
    UnterminatedString { line: u32 },
    #[error("unterminated dollar-quoted string `${tag}$`")]
    UnterminatedDollarQuote { line: u32, tag: String },
    #[error("unterminated block comment")]
    UnterminatedBlockComment { line: u32 },
    #[error("unterminated quoted identifier")]
    UnterminatedQuotedIdentifier { line: u32 },
    #[error("psql meta-command `\\{command}`")]
    PsqlMetaCommand { line: u32, command: String },
    #[error("`COPY ... FROM STDIN` reads rows from psql's input")]
    CopyFromStdin { line: u32 },
    #[error("`COPY ... TO STDOUT` streams rows to psql")]
    CopyToStdout { line: u32 },
    #[error("the SQL text has {bytes} bytes, more than the 4 GiB statement offsets can address")]
    TooLarge { bytes: usize },
}

impl SplitError {
    /// The 1-based line the error is about, relative to the split text (1 for a text too large to split).
    pub fn line(&self) -> u32 {
        match self {
            SplitError::UnterminatedString { line }
            | SplitError::UnterminatedDollarQuote { line, .. }
            | SplitError::UnterminatedBlockComment { line }
            | SplitError::UnterminatedQuotedIdentifier { line }
            | SplitError::PsqlMetaCommand { line, .. }
            | SplitError::CopyFromStdin { line }
            | SplitError::CopyToStdout { line } => *line,
            SplitError::TooLarge { .. } => 1,
        }
    }

    /// The fix alone, for callers that print the line and the problem their own way.
    pub fn help(&self) -> String {
        match self {
            SplitError::UnterminatedString { .. } => {
                "close it with `'` (a quote inside a string is written `''`)".to_owned()
            }
            SplitError::UnterminatedDollarQuote { tag, .. } => format!("close it with `${tag}$`"),
            SplitError::UnterminatedBlockComment { .. } => {
                "close it with `*/` (block comments nest, so every `/*` inside it needs its own `*/`)".to_owned()
            }
            SplitError::UnterminatedQuotedIdentifier { .. } => {
                "close it with `\"` (a quote inside an identifier is written `\"\"`)".to_owned()
            }
            SplitError::PsqlMetaCommand { .. } => {
                "the runner sends SQL to the server without psql, so replace it with SQL or remove it".to_owned()
            }
            SplitError::CopyFromStdin { .. } => {
                "load the rows with INSERT or COPY from a server-side file".to_owned()
            }
            SplitError::CopyToStdout { .. } => "remove it or COPY to a server-side file".to_owned(),
            SplitError::TooLarge { .. } => "split it into several revisions".to_owned(),
        }
    }

    /// The same error with its line moved down by `lines_before`: for a text that starts further down a
    /// file (a section of a revision), so that the message names the file's line.
    pub fn with_line_offset(mut self, lines_before: u32) -> Self {
        match &mut self {
            SplitError::UnterminatedString { line }
            | SplitError::UnterminatedDollarQuote { line, .. }
            | SplitError::UnterminatedBlockComment { line }
            | SplitError::UnterminatedQuotedIdentifier { line }
            | SplitError::PsqlMetaCommand { line, .. }
            | SplitError::CopyFromStdin { line }
            | SplitError::CopyToStdout { line } => *line = line.saturating_add(lines_before),
            SplitError::TooLarge { .. } => {}
        }
        self
    }
}

/// Splits SQL into statements the way psql would send them one by one.
///
/// A statement ends at a `;` outside parentheses and outside the body of a SQL-standard routine
/// (`CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END`), or at the end of the text: a last
/// statement without `;` is a statement. Comments and whitespace between statements belong to none;
/// empty statements (`;;`) produce nothing. Unbalanced parentheses or `BEGIN` make the rest of the text
/// one statement, as in psql, and the server then reports the syntax error.
pub fn split_statements(sql: &str) -> Result<Vec<StatementSpan>, SplitError> {
    if u32::try_from(sql.len()).is_err() {
        return Err(SplitError::TooLarge { bytes: sql.len() });
    }
    let mut lines = LineCounter::new(sql);
    let mut statements = Vec::new();
    let mut current: Option<StatementSpan> = None;
    let mut nesting = Nesting::default();
    let mut copy = CopyDirection::default();

    for token in Lexer::new(sql) {
        if token.unterminated {
            return Err(unterminated(sql, &token, lines.line_at(token.start)));
        }
        match token.kind {
            TokenKind::LineComment | TokenKind::BlockComment => continue,
            TokenKind::Semicolon if nesting.at_top_level() => {
                statements.extend(current.take());
                nesting = Nesting::default();
                copy = CopyDirection::default();
                continue;
            }
            TokenKind::Backslash => {
                return Err(SplitError::PsqlMetaCommand {
                    line: lines.line_at(token.start),
                    command: meta_command_name(sql, token.end),
                });
            }
            _ => {}
        }
        // Both fit in u32: the length was checked above.
        let statement = current.get_or_insert_with(|| StatementSpan {
            start: token.start as u32,
            end: token.end as u32,
            line: lines.line_at(token.start),
        });
        statement.end = token.end as u32;
        let word = (token.kind == TokenKind::Word).then(|| &sql[token.start..token.end]);
        if let Some(stream) = copy.observe(word, nesting.paren_depth) {
            let line = statement.line;
            return Err(match stream {
                ClientStream::Stdin => SplitError::CopyFromStdin { line },
                ClientStream::Stdout => SplitError::CopyToStdout { line },
            });
        }
        nesting.observe(token.kind, word);
    }
    statements.extend(current);
    Ok(statements)
}

/// True when the text has no statement at all: only whitespace, comments and `;`. An unterminated block
/// comment counts as a comment here (split_statements reports it).
pub fn is_blank(sql: &str) -> bool {
    Lexer::new(sql).all(|token| {
        matches!(
            token.kind,
            TokenKind::LineComment | TokenKind::BlockComment | TokenKind::Semicolon
        )
    })
}

fn unterminated(sql: &str, token: &Token, line: u32) -> SplitError {
    match token.kind {
        TokenKind::BlockComment => SplitError::UnterminatedBlockComment { line },
        TokenKind::QuotedIdentifier => SplitError::UnterminatedQuotedIdentifier { line },
        TokenKind::DollarString => SplitError::UnterminatedDollarQuote {
            line,
            tag: sql[token.dollar_tag()].to_owned(),
        },
        _ => SplitError::UnterminatedString { line },
    }
}

/// The name after a backslash (`i` for `\i file.sql`, `.` for `\.`), short and without arguments, which
/// may carry connection details.
fn meta_command_name(sql: &str, after_backslash: usize) -> String {
    let rest = &sql.as_bytes()[after_backslash..];
    let letters = rest
        .iter()
        .take(32)
        .take_while(|byte| byte.is_ascii_alphanumeric())
        .count();
    let length = match rest.first() {
        Some(byte) if letters == 0 && byte.is_ascii_punctuation() => 1,
        _ => letters,
    };
    sql[after_backslash..after_backslash + length].to_owned()
}

/// psql's heuristic for where a statement may end: depth of parentheses, and depth of `BEGIN`/`CASE`
/// ... `END` inside `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, also as an element of `CREATE SCHEMA`.
/// Only the first few words of a statement (or schema element) are remembered, by first letter.
#[derive(Default)]
struct Nesting {
    paren_depth: u32,
    begin_depth: u32,
    statement_words: LeadingWords,
    schema_element_words: LeadingWords,
}

#[derive(Default)]
struct LeadingWords {
    initials: [u8; 4],
    count: usize,
}

impl LeadingWords {
    fn record(&mut self, word: &str) {
        if self.count < self.initials.len() {
            if ["create", "function", "procedure", "or", "replace", "schema"]
                .iter()
                .any(|keyword| word.eq_ignore_ascii_case(keyword))
            {
                self.initials[self.count] = word.as_bytes()[0].to_ascii_lowercase();
            }
            self.count += 1;
        }
    }

    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
    fn create_routine(&self) -> bool {
        let [first, second, third, fourth] = self.initials;
        first == b'c'
            && (second == b'f'
                || second == b'p'
                || (second == b'o' && third == b'r' && (fourth == b'f' || fourth == b'p')))
    }

    fn create_schema(&self) -> bool {
        self.initials[0] == b'c' && self.initials[1] == b's'
    }
}

impl Nesting {
    fn at_top_level(&self) -> bool {
        self.paren_depth == 0 && self.begin_depth == 0
    }

    fn observe(&mut self, kind: TokenKind, word: Option<&str>) {
        match (kind, word) {
            (TokenKind::OpenParen, _) => self.paren_depth = self.paren_depth.saturating_add(1),
            (TokenKind::CloseParen, _) => self.paren_depth = self.paren_depth.saturating_sub(1),
            (TokenKind::Word, Some(word)) if self.paren_depth == 0 => self.observe_word(word),
            _ => {}
        }
    }

    fn observe_word(&mut self, word: &str) {
        self.statement_words.record(word);
        let in_create_schema = self.statement_words.create_schema();
        if in_create_schema && self.begin_depth == 0 {
            if word.eq_ignore_ascii_case("create") {
                self.schema_element_words = LeadingWords::default();
            }
            self.schema_element_words.record(word);
        }
        let in_routine = self.statement_words.create_routine()
            || (in_create_schema && self.schema_element_words.create_routine());
        if !in_routine {
            return;
        }
        if word.eq_ignore_ascii_case("begin") {
            self.begin_depth = self.begin_depth.saturating_add(1);
        } else if word.eq_ignore_ascii_case("case") {
            // CASE closes with END too, which matters only inside a body.
            if self.begin_depth >= 1 {
                self.begin_depth = self.begin_depth.saturating_add(1);
            }
        } else if word.eq_ignore_ascii_case("end") {
            self.begin_depth = self.begin_depth.saturating_sub(1);
        }
    }
}

/// Recognises `COPY ... FROM STDIN` and `COPY ... TO STDOUT` outside parentheses (a parenthesised query
/// may well read a table called `stdin`).
#[derive(Default)]
enum CopyDirection {
    #[default]
    StatementStart,
    NotCopy,
    Copy,
    AfterFrom,
    AfterTo,
}

enum ClientStream {
    Stdin,
    Stdout,
}

impl CopyDirection {
    fn observe(&mut self, word: Option<&str>, paren_depth: u32) -> Option<ClientStream> {
        let is = |keyword: &str| word.is_some_and(|word| word.eq_ignore_ascii_case(keyword));
        match self {
            CopyDirection::StatementStart => {
                *self = if is("copy") {
                    CopyDirection::Copy
                } else {
                    CopyDirection::NotCopy
                };
            }
            CopyDirection::NotCopy => {}
            _ if paren_depth > 0 => {}
            CopyDirection::AfterFrom if is("stdin") => return Some(ClientStream::Stdin),
            CopyDirection::AfterTo if is("stdout") => return Some(ClientStream::Stdout),
            CopyDirection::Copy | CopyDirection::AfterFrom | CopyDirection::AfterTo => {
                *self = if is("from") {
                    CopyDirection::AfterFrom
                } else if is("to") {
                    CopyDirection::AfterTo
                } else {
                    CopyDirection::Copy
                };
            }
        }
        None
    }
}

#[cfg(test)]
mod tests;
