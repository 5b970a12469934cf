//! Where the runner's warnings go while `migrate` runs (a revision retried after a lock timeout):
//! a line of text on stderr, or with `--json` `{"warning": {"message": ...}}`, so that stderr
//! holds only JSON.

use std::fmt::{self, Write as _};

use serde::Serialize;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Sends the runner's warnings to stderr as they happen.
pub(super) fn init(json: bool) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false);
    let _ = if json {
        builder.event_format(JsonWarning).try_init()
    } else {
        builder
            .without_time()
            .with_target(false)
            .with_level(false)
            .try_init()
    };
}

/// An event as a JSON line.
struct JsonWarning;

#[derive(Serialize)]
struct WarningDocument {
    warning: Warning,
}

#[derive(Serialize)]
struct Warning {
    message: String,
}

impl<S, N> FormatEvent<S, N> for JsonWarning
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut message = Message::default();
        event.record(&mut message);
        let document = WarningDocument {
            warning: Warning {
                message: message.text + &message.fields,
            },
        };
        let text = serde_json::to_string(&document).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

/// An event's message, and its other fields as ` name=value`, as the text lines show them.
#[derive(Default)]
struct Message {
    text: String,
    fields: String,
}

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = match field.name() {
            "message" => write!(self.text, "{value:?}"),
            name => write!(self.fields, " {name}={value:?}"),
        };
    }
}
