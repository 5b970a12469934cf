//! A PostgreSQL-aware lexer over revision SQL: statement splitting and credential scanning.
//!
//! One hand-written lexer follows the server's lexical rules (comments, the string and identifier
//! quotings, dollar quotes) and psql's rules for where a statement ends, so that a revision is cut
//! exactly where `psql -f` would cut it. Everything here is linear in the input and never panics.

mod credentials;
mod lexer;
mod lines;
mod split;

pub use credentials::{Credential, CredentialKind, find_credentials};
pub use split::{SplitError, StatementSpan, is_blank, split_statements};

#[cfg(test)]
mod random_tests;
