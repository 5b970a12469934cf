//! The revisions compiled into `migrations` are exactly the ones the loader reads from disk.

use migrations_core::load_dir_as;
use migrations_tests::workspace_root;

#[test]
fn embedded_revisions_equal_the_folder_on_disk() {
    let disk = load_dir_as(&workspace_root().join("migrations"), "migrations")
        .expect("the project's folder is valid");
    assert_eq!(
        migrations::REVISIONS,
        disk,
        "the embedded set is stale: rebuild `migrations`"
    );
    assert_eq!(migrations::HEAD, *disk.head().expect("a head"));
    assert_eq!(migrations::BASE, *disk.base().expect("a base"));
    assert!(disk.revisions().iter().all(|r| r.checksum() != 0));
}

#[test]
fn revision_constants_are_named_by_slug() {
    assert_eq!(
        migrations::revisions::BASELINE.name(),
        "202511121302_baseline"
    );
    assert_eq!(
        migrations::revisions::ADD_TENANTS_TABLE.parent(),
        Some(migrations::revisions::BASELINE.id())
    );
    assert_eq!(
        migrations::revisions::ADD_ATTRIBUTION_EVENTS_TABLE.parent(),
        Some(migrations::revisions::ADD_TENANTS_TABLE.id())
    );
}
