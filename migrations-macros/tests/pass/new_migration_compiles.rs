//! A folder written by `new-migration` from the real templates compiles, and its constants exist.

migrations_runtime::embed!("tests/fixtures/generated/new_migration");

fn main() {
    assert_eq!(revisions::ADD_FLAG.name(), "202511121400_add_flag");
    assert_eq!(revisions::ENABLE_TRGM.parent(), Some(revisions::ADD_FLAG.id()));
    assert_eq!(HEAD, revisions::ENABLE_TRGM);
    assert_eq!(BASE, revisions::BASELINE);
    assert_eq!(REVISIONS.revisions().len(), 3);
    assert_eq!(repeatables::REPORTING_VIEWS.name(), "reporting_views");
    assert_eq!(
        repeatables::REPORTING_VIEWS.requires(),
        Some(revisions::ENABLE_TRGM.id())
    );
    assert_eq!(REVISIONS.repeatables().len(), 1);
}
