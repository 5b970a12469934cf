//! The `embed!` proc-macro: a thin shim that turns a folder of revisions into checked constants.
