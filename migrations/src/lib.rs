//! This project's own revisions, embedded at compile time.
