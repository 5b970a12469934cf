//! How the public errors print as `Debug`: their message and its causes.

use std::fmt;

/// The `Debug` of the public errors: their message and its causes, as `main` returning the error
/// with `?` prints it, rather than the variant's fields.
pub(crate) fn message_and_causes(
    error: &dyn std::error::Error,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    write!(f, "{error}")?;
    let mut source = error.source();
    while let Some(cause) = source {
        write!(f, "\n  caused by: {cause}")?;
        source = cause.source();
    }
    Ok(())
}
