//! Applies revisions to PostgreSQL: upgrade, downgrade, stamp, history, under an advisory lock.
