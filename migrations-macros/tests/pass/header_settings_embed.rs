//! A revision's timeouts and lint allows, and a repeatable's, are embedded as the loader reads them.

use std::time::Duration;

migrations_runtime::embed!("tests/fixtures/header_settings");

fn main() {
    let revision = revisions::ADD_T;
    assert_eq!(revision.lock_timeout(), Some(Duration::from_secs(30)));
    assert_eq!(revision.statement_timeout(), Some(Duration::ZERO));
    let allow = &revision.lint_allows()[0];
    assert_eq!(
        allow.rules().collect::<Vec<_>>(),
        ["changing-column-type", "renaming-column"]
    );
    assert_eq!(allow.reason(), "t is created empty by this revision");
    assert_eq!(allow.line(), 4);
    assert_eq!(repeatables::VIEWS.lint_allows()[0].line(), 1);
    assert_eq!(BASE.lock_timeout(), None);
}
