//! `migrate --databases`: a fleet of databases on several PostgreSQL servers, each a container on
//! a private Docker network, migrated, cut off, failed and raced; and compared with the schema
//! their revisions give, on databases of one local server.

mod concurrency;
mod drift;
mod failure;
mod lists;
mod network;
mod servers;
mod support;
mod whole;
