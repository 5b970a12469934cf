//! Integration tests of the disposable PostgreSQL: selection, database lifecycle, local extras, the
//! server backend, cleanup after signals and crashes, and the container backend.

mod child;
mod cleanup;
mod container;
mod lifecycle;
mod local;
mod selection;
mod server_backend;
mod support;
