//! Tokens of PostgreSQL's lexical structure, cut the way the server and psql cut them.
//!
//! The lexer only finds token boundaries; it never interprets escapes. It yields comments (so that an
//! unterminated block comment can be reported) but not whitespace, never fails, and marks a quoted token
//! that reaches the end of the input without its closing delimiter as `unterminated`. Every boundary it
//! reports is an ASCII byte or the end of the input, hence always a char boundary: bytes of multi-byte
//! characters only ever occur inside words, literals and comments.

/// What a token is, as far as statement splitting and credential scanning care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An unquoted identifier or key word (`$` may continue one: `a$b$` is a single word).
    Word,
    /// `"..."` or `U&"..."`.
    QuotedIdentifier,
    /// `'...'`, `E'...'`, `B'...'`, `X'...'`, `N'...'` or `U&'...'`.
    String,
    /// `$$...$$` or `$tag$...$tag$`.
    DollarString,
    /// A numeric constant (loosely: its exact shape does not matter here).
    Number,
    /// A positional parameter such as `$1`.
    Parameter,
    /// `-- ...` up to the end of the line.
    LineComment,
    /// `/* ... */`, nesting.
    BlockComment,
    Semicolon,
    OpenParen,
    CloseParen,
    /// A backslash outside any literal: the start of a psql meta-command.
    Backslash,
    /// Any other single byte: operator characters, punctuation, a `$` that opens nothing.
    Other,
}

/// One token: byte offsets into the lexed text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
    /// Where a literal's or comment's contents lie, without prefix and delimiters; the whole token for
    /// other kinds.
    pub content_start: usize,
    pub content_end: usize,
    /// The token runs to the end of the input without its closing delimiter.
    pub unterminated: bool,
}

impl Token {
    /// The tag of a dollar-quoted string (`body` for `$body$`, empty for `$$`), as a range of the text.
    pub fn dollar_tag(&self) -> std::ops::Range<usize> {
        (self.start + 1)..(self.content_start - 1)
    }
}

/// Iterates over the tokens of a SQL text, in order, without recursion and in linear time.
pub(crate) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer { text, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn byte_at(&self, index: usize) -> Option<u8> {
        self.bytes().get(index).copied()
    }

    fn token(&mut self, kind: TokenKind, start: usize, end: usize) -> Token {
        self.delimited(kind, start, end, start..end, false)
    }

    fn delimited(
        &mut self,
        kind: TokenKind,
        start: usize,
        end: usize,
        content: std::ops::Range<usize>,
        unterminated: bool,
    ) -> Token {
        self.pos = end;
        Token {
            kind,
            start,
            end,
            content_start: content.start,
            content_end: content.end,
            unterminated,
        }
    }

    /// A literal closed by `quote`, where a doubled `quote` stands for itself and, in `E'...'` strings,
    /// a backslash escapes the next byte. `content_start` is just after the opening quote.
    fn quoted(
        &mut self,
        kind: TokenKind,
        start: usize,
        content_start: usize,
        backslash_escapes: bool,
    ) -> Token {
        let bytes = self.bytes();
        let quote = bytes[content_start - 1];
        let mut index = content_start;
        while index < bytes.len() {
            let byte = bytes[index];
            if backslash_escapes && byte == b'\\' {
                // Skipping a continuation byte is harmless: the scan only stops on ASCII bytes.
                index += 2;
            } else if byte == quote {
                if bytes.get(index + 1) == Some(&quote) {
                    index += 2;
                } else {
                    return self.delimited(kind, start, index + 1, content_start..index, false);
                }
            } else {
                index += 1;
            }
        }
        let end = bytes.len();
        self.delimited(kind, start, end, content_start..end, true)
    }

    fn line_comment(&mut self, start: usize) -> Token {
        let bytes = self.bytes();
        let end = bytes[start..]
            .iter()
            .position(|&byte| byte == b'\n' || byte == b'\r')
            .map_or(bytes.len(), |length| start + length);
        self.delimited(TokenKind::LineComment, start, end, (start + 2)..end, false)
    }

    fn block_comment(&mut self, start: usize) -> Token {
        let bytes = self.bytes();
        let mut depth: usize = 1;
        let mut index = start + 2;
        while index < bytes.len() {
            match (bytes[index], bytes.get(index + 1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    index += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    index += 2;
                    if depth == 0 {
                        return self.delimited(
                            TokenKind::BlockComment,
                            start,
                            index,
                            (start + 2)..(index - 2),
                            false,
                        );
                    }
                }
                _ => index += 1,
            }
        }
        let end = bytes.len();
        self.delimited(TokenKind::BlockComment, start, end, (start + 2)..end, true)
    }

    /// At a `$`: a parameter, a dollar-quoted string, or a lone `$`.
    fn dollar(&mut self, start: usize) -> Token {
        let bytes = self.bytes();
        match self.byte_at(start + 1) {
            Some(byte) if byte.is_ascii_digit() => {
                let end = scan_while(bytes, start + 1, |byte| {
                    byte.is_ascii_digit() || byte == b'_'
                });
                self.token(TokenKind::Parameter, start, end)
            }
            Some(b'$') => self.dollar_string(start, start + 2),
            Some(byte) if is_dollar_tag_start(byte) => {
                let tag_end = scan_while(bytes, start + 2, is_dollar_tag_continue);
                if self.byte_at(tag_end) == Some(b'$') {
                    self.dollar_string(start, tag_end + 1)
                } else {
                    // As in the server: the `$` stands alone and the tag is lexed again as a word.
                    self.token(TokenKind::Other, start, start + 1)
                }
            }
            _ => self.token(TokenKind::Other, start, start + 1),
        }
    }

    /// The body ends at the first occurrence of the opening delimiter, exactly as the server's lexer
    /// finds it; `str::find` keeps that linear even for long tags.
    fn dollar_string(&mut self, start: usize, content_start: usize) -> Token {
        let delimiter = &self.text[start..content_start];
        match self.text[content_start..].find(delimiter) {
            Some(length) => {
                let content_end = content_start + length;
                let end = content_end + delimiter.len();
                self.delimited(
                    TokenKind::DollarString,
                    start,
                    end,
                    content_start..content_end,
                    false,
                )
            }
            None => {
                let end = self.text.len();
                self.delimited(
                    TokenKind::DollarString,
                    start,
                    end,
                    content_start..end,
                    true,
                )
            }
        }
    }

    /// A word, or the one-letter prefix of a string (`E'`, `B'`, `X'`, `N'`, `U&'`) or identifier (`U&"`).
    fn word(&mut self, start: usize) -> Token {
        let end = scan_while(self.bytes(), start + 1, is_identifier_continue);
        if end == start + 1 {
            let next = self.byte_at(end);
            let after_next = self.byte_at(end + 1);
            match (self.bytes()[start].to_ascii_lowercase(), next, after_next) {
                (b'e', Some(b'\''), _) => {
                    return self.quoted(TokenKind::String, start, end + 1, true);
                }
                (b'b' | b'x' | b'n', Some(b'\''), _) => {
                    return self.quoted(TokenKind::String, start, end + 1, false);
                }
                (b'u', Some(b'&'), Some(b'\'')) => {
                    return self.quoted(TokenKind::String, start, end + 2, false);
                }
                (b'u', Some(b'&'), Some(b'"')) => {
                    return self.quoted(TokenKind::QuotedIdentifier, start, end + 2, false);
                }
                _ => {}
            }
        }
        self.token(TokenKind::Word, start, end)
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let bytes = self.bytes();
        let start = scan_while(bytes, self.pos, is_whitespace);
        self.pos = start;
        let byte = *bytes.get(start)?;
        let next = self.byte_at(start + 1);
        let token = match byte {
            b'-' if next == Some(b'-') => self.line_comment(start),
            b'/' if next == Some(b'*') => self.block_comment(start),
            b'\'' => self.quoted(TokenKind::String, start, start + 1, false),
            b'"' => self.quoted(TokenKind::QuotedIdentifier, start, start + 1, false),
            b'$' => self.dollar(start),
            b';' => self.token(TokenKind::Semicolon, start, start + 1),
            b'(' => self.token(TokenKind::OpenParen, start, start + 1),
            b')' => self.token(TokenKind::CloseParen, start, start + 1),
            b'\\' => self.token(TokenKind::Backslash, start, start + 1),
            b'0'..=b'9' => {
                let end = scan_while(bytes, start + 1, |byte| {
                    byte.is_ascii_digit() || byte == b'.' || byte == b'_'
                });
                self.token(TokenKind::Number, start, end)
            }
            byte if is_identifier_start(byte) => self.word(start),
            _ => self.token(TokenKind::Other, start, start + 1),
        };
        Some(token)
    }
}

fn scan_while(bytes: &[u8], from: usize, accept: impl Fn(u8) -> bool) -> usize {
    let from = from.min(bytes.len());
    bytes[from..]
        .iter()
        .position(|&byte| !accept(byte))
        .map_or(bytes.len(), |length| from + length)
}

/// The server's whitespace: space, tab, newline, carriage return, form feed and vertical tab.
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Every byte of a multi-byte character counts as a letter, as in the server.
fn is_identifier_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_identifier_continue(byte: u8) -> bool {
    is_identifier_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

fn is_dollar_tag_start(byte: u8) -> bool {
    is_identifier_start(byte)
}

/// A tag is an identifier without `$`.
fn is_dollar_tag_continue(byte: u8) -> bool {
    is_identifier_start(byte) || byte.is_ascii_digit()
}

#[cfg(test)]
mod tests;
