//! Rendering of new revision files: templates with `{{placeholder}}`s, and drafts built in code.

use std::fmt::Write;

/// A template could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "{template}:{line}: unknown placeholder `{{{{{name}}}}}`; the placeholders are {known}: fix the template"
    )]
    UnknownPlaceholder {
        template: String,
        line: u32,
        name: String,
        known: String,
    },
    #[error("{template}:{line}: `{{{{` is not closed by `}}}}`: fix the template")]
    UnclosedPlaceholder { template: String, line: u32 },
}

/// Renders `template`, replacing each `{{name}}` by its value.
///
/// A line holding a placeholder whose value is `None` is left out as a whole, so that
/// `-- message: {{message}}` disappears when there is no message.
pub fn render(
    template_name: &str,
    template: &str,
    values: &[(&str, Option<&str>)],
) -> Result<String, TemplateError> {
    let known = || {
        values
            .iter()
            .map(|(name, _)| format!("`{{{{{name}}}}}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::with_capacity(template.len());
    for (line, number) in template.split_inclusive('\n').zip(1u32..) {
        let mut rendered = String::with_capacity(line.len());
        let mut rest = line;
        let mut absent = false;
        while let Some(open) = rest.find("{{") {
            rendered.push_str(&rest[..open]);
            let Some(close) = rest[open..].find("}}") else {
                return Err(TemplateError::UnclosedPlaceholder {
                    template: template_name.to_owned(),
                    line: number,
                });
            };
            let name = rest[open + 2..open + close].trim();
            match values.iter().find(|(known, _)| *known == name) {
                Some((_, Some(value))) => rendered.push_str(value),
                Some((_, None)) => absent = true,
                None => {
                    return Err(TemplateError::UnknownPlaceholder {
                        template: template_name.to_owned(),
                        line: number,
                        name: name.to_owned(),
                        known: known(),
                    });
                }
            }
            rest = &rest[open + close + 2..];
        }
        rendered.push_str(rest);
        if !absent {
            out.push_str(&rendered);
        }
    }
    Ok(out)
}

/// The parts of a revision file, rendered the way `cargo xtask new-migration` lays files out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevisionDraft<'a> {
    pub revises: Option<&'a str>,
    pub message: Option<&'a str>,
    pub transactional: bool,
    pub up: &'a str,
    pub down: &'a str,
}

impl RevisionDraft<'_> {
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(revises) = self.revises {
            let _ = writeln!(out, "-- revises: {revises}");
        }
        if let Some(message) = self.message {
            let _ = writeln!(out, "-- message: {message}");
        }
        out.push_str(if self.transactional {
            "\n-- migrate:up\n"
        } else {
            "\n-- migrate:up transaction:false\n"
        });
        push_section(&mut out, self.up);
        out.push_str("\n-- migrate:down\n");
        push_section(&mut out, self.down);
        out
    }
}

fn push_section(out: &mut String, sql: &str) {
    let sql = sql.trim();
    if !sql.is_empty() {
        out.push_str(sql);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        let values = [
            ("slug", Some("add_flag")),
            ("message", None),
            ("revises", Some("202511121302_baseline")),
        ];
        let out = render(
            "t.sql",
            "-- revises: {{revises}}\n-- message: {{ message }}\n-- {{slug}}\n",
            &values,
        );
        assert_eq!(
            out.as_deref(),
            Ok("-- revises: 202511121302_baseline\n-- add_flag\n")
        );
        let error = render("t.sql", "ok\n-- {{nope}}\n", &values).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.sql:2: unknown placeholder `{{nope}}`; the placeholders are `{{slug}}`, `{{message}}`, `{{revises}}`: fix the template"
        );
        let error = render("t.sql", "-- {{slug\n", &values).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.sql:1: `{{` is not closed by `}}`: fix the template"
        );
    }

    #[test]
    fn drafts_render_into_parsable_revisions() {
        let draft = RevisionDraft {
            revises: Some("202511121302_baseline"),
            message: Some("flags"),
            transactional: false,
            up: "CREATE INDEX CONCURRENTLY i ON t (x);",
            down: "DROP INDEX CONCURRENTLY i;",
        };
        let (parsed, problems) =
            crate::parse::parse_revision(&draft.render()).expect("renders a valid revision");
        assert_eq!(problems, []);
        assert!(!parsed.transactional);
        assert_eq!(parsed.up.sql(), draft.up);
        assert_eq!(parsed.down.sql(), draft.down);
        assert_eq!(parsed.message.as_deref(), Some("flags"));
    }
}
