//! What `migrate drift` prints for one database: the differing objects in verify's diff format,
//! or one JSON document; and an error, as JSON on stderr with `--json`.

use migrations_snapshot::{IgnorePatterns, SchemaChange, SchemaDiff};
use serde::Serialize;
use serde_json::{Value, json};

use super::compare::DriftReport;
use super::error::DriftError;

/// The line that says what the signs of the diff mean.
const LEGEND: &str = "(-: what the revisions give, +: what the database has)";

/// Prints the report: the text, or the JSON document with `json`.
pub(super) fn report(json: bool, database: &str, report: &DriftReport, ignore: &IgnorePatterns) {
    if json {
        let document = Document::new(database, report);
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    } else {
        print!("{}", text(database, report, ignore));
    }
}

/// `<database> at <revision>: ...`, then each differing object.
pub(super) fn text(database: &str, report: &DriftReport, ignore: &IgnorePatterns) -> String {
    let mut text = format!(
        "{database} at {}: {}\n",
        report.revision_name,
        summary(&report.diff)
    );
    if !ignore.is_empty() {
        let patterns: Vec<String> = ignore.patterns().iter().map(ToString::to_string).collect();
        text.push_str(&format!("ignored: {}\n", patterns.join(", ")));
    }
    if !report.diff.is_empty() {
        text.push_str(&report.diff.to_string());
    }
    text
}

/// That the database matches, or how many objects differ from it.
pub(super) fn summary(diff: &SchemaDiff) -> String {
    match diff.changes.len() {
        0 => "matches the schema its revisions give".to_owned(),
        1 => format!("1 object differs from the schema its revisions give {LEGEND}"),
        n => format!("{n} objects differ from the schema its revisions give {LEGEND}"),
    }
}

/// The JSON document of one database, its fields in this order.
#[derive(Serialize)]
struct Document<'a> {
    database: &'a str,
    /// The 12-digit id.
    revision: String,
    equal: bool,
    differences: Vec<Difference<'a>>,
}

impl<'a> Document<'a> {
    fn new(database: &'a str, report: &'a DriftReport) -> Document<'a> {
        Document {
            database,
            revision: report.revision.to_string(),
            equal: report.diff.is_empty(),
            differences: differences(&report.diff),
        }
    }
}

/// One differing object: what the revisions give (`expected`) and what the database has
/// (`actual`), `null` where one has no such object.
#[derive(Serialize)]
pub(super) struct Difference<'a> {
    kind: String,
    name: &'a str,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
}

pub(super) fn differences(diff: &SchemaDiff) -> Vec<Difference<'_>> {
    diff.changes
        .iter()
        .map(|change| {
            let (expected, actual) = match change {
                SchemaChange::Added { definition, .. } => (None, Some(definition.as_str())),
                SchemaChange::Removed { definition, .. } => (Some(definition.as_str()), None),
                SchemaChange::Changed { before, after, .. } => {
                    (Some(before.as_str()), Some(after.as_str()))
                }
            };
            Difference {
                kind: change.kind().key(),
                name: change.name(),
                expected,
                actual,
            }
        })
        .collect()
}

/// `{"kind", "message"}`, with the database's revision and PostgreSQL major version when the
/// error is about where it stands (what `cargo xtask drift` builds a reference from).
pub(super) fn error_object(error: &DriftError) -> Value {
    let mut object = json!({
        "kind": error.kind(),
        "message": error.to_string(),
    });
    if let Some(revision) = error.revision() {
        object["revision"] = json!(revision.to_string());
    }
    if let Some(major) = error.server_major() {
        object["server_major"] = json!(major);
    }
    object
}

/// Prints an error on stderr: `error: ...`, or `{"error": {...}}` with `json`.
pub(super) fn error(json: bool, error: &DriftError) {
    if json {
        eprintln!("{}", json!({ "error": error_object(error) }));
    } else {
        eprintln!("error: {error}");
    }
}
