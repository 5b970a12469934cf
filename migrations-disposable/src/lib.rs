//! Disposable PostgreSQL databases for tests and `verify`: a container, a local throwaway cluster or a given server.
