//! The templates new revisions are written from, compiled in, so that the tool needs no
//! checkout of this repository where it runs.

/// A kind of new file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    Versioned,
    EnableExtension,
    Repeatable,
}

impl Template {
    /// The template as messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Template::Versioned => "templates/versioned.sql",
            Template::EnableExtension => "templates/enable_extension.sql",
            Template::Repeatable => "templates/repeatable.sql",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Template::Versioned => include_str!("../../templates/versioned.sql"),
            Template::EnableExtension => include_str!("../../templates/enable_extension.sql"),
            Template::Repeatable => include_str!("../../templates/repeatable.sql"),
        }
    }
}
