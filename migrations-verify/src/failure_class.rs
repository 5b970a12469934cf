//! `FailureClass`: one reason verify flagged a revision, as the report records it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One reason a revision was flagged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// The up section fails: later revisions cannot be verified.
    UpFails,
    /// The down section fails with an error.
    DownFails,
    /// The down section changes nothing of what the up did: a placeholder (`SELECT 1`) or a no-op.
    NoOpDown,
    /// After down, an object exists that did not before up.
    LeftoverObject,
    /// After down, an object that existed before up is gone.
    MissingObject,
    /// After down, a table has its columns in another order (a column dropped and re-added at the end).
    ColumnOrder,
    /// After down, a column's default is another than before up.
    ChangedDefault,
    /// After down, an object has another definition than before up.
    ChangedDefinition,
    /// Up again fails (usually because of what the down left).
    UpAgainFails,
    /// The down is exact, but up again built another schema: the up is not reproducible.
    NotReproducible,
}

impl FailureClass {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::UpFails => "up fails",
            FailureClass::DownFails => "down fails",
            FailureClass::NoOpDown => "placeholder or no-op down",
            FailureClass::LeftoverObject => "leftover object",
            FailureClass::MissingObject => "missing object",
            FailureClass::ColumnOrder => "column order",
            FailureClass::ChangedDefault => "changed default",
            FailureClass::ChangedDefinition => "changed definition",
            FailureClass::UpAgainFails => "up again fails",
            FailureClass::NotReproducible => "not reproducible",
        }
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
