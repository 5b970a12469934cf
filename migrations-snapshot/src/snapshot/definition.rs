//! Writes the text of an object's definition: SQL lines first, then `key: value` lines, each written
//! the same way for every kind of object.

use std::fmt::Display;

#[derive(Debug, Default)]
pub(crate) struct Definition {
    lines: Vec<String>,
}

impl Definition {
    pub(crate) fn new() -> Definition {
        Definition::default()
    }

    /// Adds SQL as the server printed it, one line per line, without trailing blanks or empty lines.
    pub(crate) fn sql(mut self, sql: &str) -> Definition {
        self.lines.extend(
            sql.lines()
                .map(str::trim_end)
                .filter(|line| !line.is_empty())
                .map(str::to_owned),
        );
        self
    }

    /// Adds a line as it is.
    pub(crate) fn line(mut self, line: impl Into<String>) -> Definition {
        self.lines.push(line.into());
        self
    }

    /// Adds the lines of another definition after these.
    pub(crate) fn append(mut self, other: Definition) -> Definition {
        self.lines.extend(other.lines);
        self
    }

    pub(crate) fn property(mut self, key: &str, value: impl Display) -> Definition {
        self.lines.push(format!("{key}: {value}"));
        self
    }

    pub(crate) fn property_if(self, key: &str, value: Option<impl Display>) -> Definition {
        match value {
            Some(value) => self.property(key, value),
            None => self,
        }
    }

    /// Adds a comma-separated list, unless it is empty.
    pub(crate) fn list(self, key: &str, items: &[String]) -> Definition {
        if items.is_empty() {
            self
        } else {
            self.property(key, items.join(", "))
        }
    }

    pub(crate) fn owner(self, owner: &str) -> Definition {
        self.property("owner", owner)
    }

    /// Adds the privileges unless they are the defaults for the owner: an object whose grants were
    /// revoked again equals one that never had any. Both lists come sorted from the catalog query.
    pub(crate) fn privileges(self, acl: &[String], default_acl: &[String]) -> Definition {
        if acl == default_acl {
            self
        } else {
            self.privileges_always(acl)
        }
    }

    /// Adds the privileges, unless there are none.
    pub(crate) fn privileges_always(self, acl: &[String]) -> Definition {
        if acl.is_empty() {
            self
        } else {
            self.property("privileges", readable_acl(acl))
        }
    }

    pub(crate) fn comment(self, comment: Option<&str>) -> Definition {
        self.property_if("comment", comment.map(|text| format!("{text:?}")))
    }

    pub(crate) fn finish(self) -> String {
        self.lines.join("\n")
    }
}

/// Privileges as `grantee=privileges/grantor` items separated by commas.
pub(crate) fn readable_acl(acl: &[String]) -> String {
    acl.iter()
        .map(|item| readable_acl_item(item))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the grantee PUBLIC, which `aclitem` prints as an empty name, as `PUBLIC`.
fn readable_acl_item(item: &str) -> String {
    match item.strip_prefix('=') {
        Some(rest) => format!("PUBLIC={rest}"),
        None => item.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_sql_lines_then_properties() {
        let text = Definition::new()
            .sql("CREATE VIEW v AS\n SELECT 1;  \n\n")
            .owner("app")
            .privileges(
                &["=r/app".to_owned(), "app=arwdDxt/app".to_owned()],
                &["app=arwdDxt/app".to_owned()],
            )
            .comment(Some("two\nlines \"quoted\""))
            .property_if("absent", None::<&str>)
            .finish();
        assert_eq!(
            text,
            "CREATE VIEW v AS\n SELECT 1;\nowner: app\nprivileges: PUBLIC=r/app, app=arwdDxt/app\ncomment: \"two\\nlines \\\"quoted\\\"\""
        );
    }

    #[test]
    fn default_privileges_are_left_out() {
        let acl = ["app=arwdDxt/app".to_owned()];
        assert_eq!(Definition::new().privileges(&acl, &acl).finish(), "");
    }
}
