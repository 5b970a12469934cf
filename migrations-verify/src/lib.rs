//! Proves revisions reversible: schema snapshots, their diff, and the stairway of up, down and up again.
