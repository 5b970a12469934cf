//! The revision model: versioned revisions, repeatable migrations and the ordered set of both.
//!
//! The same types hold revisions embedded at compile time (borrowed `'static` text) and revisions
//! loaded from disk at run time (owned text), so the runner and `verify` treat both alike.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

pub use crate::id::RevisionId;

use crate::header_settings::LintAllow;
use crate::sql::StatementSpan;

/// One section of SQL (the up or down part of a revision, or the body of a repeatable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    sql: Cow<'static, str>,
    first_line: u32,
    statements: Cow<'static, [StatementSpan]>,
}

impl Section {
    #[doc(hidden)]
    pub const fn from_parts(
        sql: Cow<'static, str>,
        first_line: u32,
        statements: Cow<'static, [StatementSpan]>,
    ) -> Section {
        Section {
            sql,
            first_line,
            statements,
        }
    }

    /// The SQL text, LF line endings, surrounding blank space removed.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The line of the revision file on which `sql()` starts.
    pub fn first_line(&self) -> u32 {
        self.first_line
    }

    /// True when the section has no statement (only blank space and comments).
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// The statements of the section, each with its text and the line of the revision file it starts on.
    pub fn statements(&self) -> impl ExactSizeIterator<Item = Statement<'_>> + '_ {
        self.statements.iter().map(|span| Statement {
            sql: &self.sql[span.start as usize..span.end as usize],
            line: self.first_line + span.line - 1,
        })
    }

    #[doc(hidden)]
    pub fn spans(&self) -> &[StatementSpan] {
        &self.statements
    }
}

/// One statement of a section, located in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Statement<'a> {
    pub sql: &'a str,
    /// 1-based line of the revision file where the statement starts.
    pub line: u32,
}

/// How a revision asks to be run and linted, from its header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionSettings {
    /// False for `-- migrate:up transaction:false`.
    pub transactional: bool,
    /// `-- lock-timeout:`; `Some(Duration::ZERO)` for `0`, no timeout.
    pub lock_timeout: Option<Duration>,
    /// `-- statement-timeout:`; `Some(Duration::ZERO)` for `0`, no timeout.
    pub statement_timeout: Option<Duration>,
    /// The `-- lint: allow` headers, in file order.
    pub lint_allows: Cow<'static, [LintAllow]>,
}

/// A versioned revision: one file `versions/YYYYMMDDHHMM_slug.sql`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    id: RevisionId,
    name: Cow<'static, str>,
    parent: Option<RevisionId>,
    message: Option<Cow<'static, str>>,
    up: Section,
    down: Section,
    settings: RevisionSettings,
    checksum: u64,
    file: Cow<'static, str>,
}

impl Revision {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn from_parts(
        id: RevisionId,
        name: Cow<'static, str>,
        parent: Option<RevisionId>,
        message: Option<Cow<'static, str>>,
        up: Section,
        down: Section,
        settings: RevisionSettings,
        checksum: u64,
        file: Cow<'static, str>,
    ) -> Revision {
        Revision {
            id,
            name,
            parent,
            message,
            up,
            down,
            settings,
            checksum,
            file,
        }
    }

    pub fn id(&self) -> RevisionId {
        self.id
    }

    /// The file stem, `YYYYMMDDHHMM_slug`: how people and the CLI name a revision.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The part of the name after the timestamp; also the name in refinery's history table.
    pub fn slug(&self) -> &str {
        self.name.get(13..).unwrap_or_default()
    }

    /// The revision this one revises; `None` for the baseline.
    pub fn parent(&self) -> Option<RevisionId> {
        self.parent
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    pub fn up(&self) -> &Section {
        &self.up
    }

    pub fn down(&self) -> &Section {
        &self.down
    }

    /// False for revisions marked `-- migrate:up transaction:false`: their statements run one by one
    /// outside a transaction, in both directions.
    pub fn is_transactional(&self) -> bool {
        self.settings.transactional
    }

    /// How long each statement may wait for a lock (`-- lock-timeout:`); `Some(Duration::ZERO)`
    /// turns the timeout off, `None` leaves it to the runner.
    pub fn lock_timeout(&self) -> Option<Duration> {
        self.settings.lock_timeout
    }

    /// How long each statement may run (`-- statement-timeout:`); `Some(Duration::ZERO)` turns
    /// the timeout off, `None` leaves it to the runner.
    pub fn statement_timeout(&self) -> Option<Duration> {
        self.settings.statement_timeout
    }

    /// The lint rules the revision allows, each with its reason (`-- lint: allow`).
    pub fn lint_allows(&self) -> &[LintAllow] {
        &self.settings.lint_allows
    }

    /// Everything the header asks for, besides the graph.
    pub fn settings(&self) -> &RevisionSettings {
        &self.settings
    }

    /// refinery's checksum of the up section (see [`crate::checksum`]).
    pub fn checksum(&self) -> u64 {
        self.checksum
    }

    /// The file the revision came from, as shown in messages (e.g. `migrations/versions/…sql`).
    pub fn file(&self) -> &str {
        &self.file
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A repeatable migration: one file `repeatable/<name>.sql`, run again whenever its checksum changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeatable {
    name: Cow<'static, str>,
    requires: Option<RevisionId>,
    message: Option<Cow<'static, str>>,
    body: Section,
    lint_allows: Cow<'static, [LintAllow]>,
    checksum: u64,
    file: Cow<'static, str>,
}

impl Repeatable {
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn from_parts(
        name: Cow<'static, str>,
        requires: Option<RevisionId>,
        message: Option<Cow<'static, str>>,
        body: Section,
        lint_allows: Cow<'static, [LintAllow]>,
        checksum: u64,
        file: Cow<'static, str>,
    ) -> Repeatable {
        Repeatable {
            name,
            requires,
            message,
            body,
            lint_allows,
            checksum,
            file,
        }
    }

    /// The file stem.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The oldest revision this repeatable needs; it is not run before that revision is applied.
    pub fn requires(&self) -> Option<RevisionId> {
        self.requires
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    pub fn body(&self) -> &Section {
        &self.body
    }

    /// The lint rules the file allows, each with its reason (`-- lint: allow`).
    pub fn lint_allows(&self) -> &[LintAllow] {
        &self.lint_allows
    }

    pub fn checksum(&self) -> u64 {
        self.checksum
    }

    pub fn file(&self) -> &str {
        &self.file
    }
}

impl fmt::Display for Repeatable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Every revision of a folder, oldest first, checked to form a single line from the baseline to the
/// head, plus the folder's repeatable migrations in file-name order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionSet {
    revisions: Cow<'static, [Revision]>,
    repeatables: Cow<'static, [Repeatable]>,
}

impl RevisionSet {
    /// Only the loader and the embedding macro build sets: both check the folder first.
    #[doc(hidden)]
    pub const fn from_checked_parts(
        revisions: Cow<'static, [Revision]>,
        repeatables: Cow<'static, [Repeatable]>,
    ) -> RevisionSet {
        RevisionSet {
            revisions,
            repeatables,
        }
    }

    /// All revisions, oldest (the baseline) first.
    pub fn revisions(&self) -> &[Revision] {
        &self.revisions
    }

    pub fn repeatables(&self) -> &[Repeatable] {
        &self.repeatables
    }

    /// The baseline; `None` only for an empty folder.
    pub fn base(&self) -> Option<&Revision> {
        self.revisions.first()
    }

    pub fn head(&self) -> Option<&Revision> {
        self.revisions.last()
    }

    /// The position of a revision in `revisions()`, by id; binary search, the list is sorted.
    pub fn position(&self, id: RevisionId) -> Option<usize> {
        self.revisions.binary_search_by_key(&id, |r| r.id).ok()
    }

    pub fn get(&self, id: RevisionId) -> Option<&Revision> {
        self.position(id).map(|i| &self.revisions[i])
    }

    /// Finds a revision by file stem (`202511121400_add_tenants_table`), id (`202511121400`) or slug
    /// (`add_tenants_table`).
    pub fn find(&self, key: &str) -> Option<&Revision> {
        if let Some(id) = crate::id::parse_id(key) {
            return self.get(id).filter(|r| key.len() == 12 || r.name() == key);
        }
        self.revisions.iter().find(|r| r.slug() == key)
    }

    /// The same revisions without the repeatable migrations: what `verify` walks the stairway with.
    pub fn without_repeatables(&self) -> RevisionSet {
        RevisionSet {
            revisions: self.revisions.clone(),
            repeatables: Cow::Borrowed(&[]),
        }
    }

    pub fn repeatable(&self, name: &str) -> Option<&Repeatable> {
        self.repeatables.iter().find(|r| r.name() == name)
    }
}
