//! `migrate --databases`: a fleet of databases on several PostgreSQL servers, each a container on
//! a private Docker network, migrated, cut off, failed and raced.

mod concurrency;
mod failure;
mod lists;
mod network;
mod servers;
mod support;
mod whole;
