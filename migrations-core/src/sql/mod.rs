//! A PostgreSQL-aware lexer over revision SQL: statement splitting and credential scanning.
