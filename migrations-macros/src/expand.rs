//! Turns a checked revision set into the items `embed!` defines.

use std::path::Path;

use migrations_core::load::{repeatable_path, revision_path};
use migrations_core::schema_file::SCHEMA_SNAPSHOT;
use migrations_core::{LintAllow, Repeatable, Revision, RevisionSet, Section};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The constant name of a slug: upper case, with a leading `_` when it starts with a digit.
fn constant_name(slug: &str) -> Ident {
    let upper = slug.to_ascii_uppercase();
    let name = if upper.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{upper}")
    } else {
        upper
    };
    Ident::new(&name, Span::call_site())
}

/// Makes the crate depend on the file: editing it rebuilds the crate. The constant is never used,
/// so the text does not end up in the binary twice.
fn track(path: &Path) -> TokenStream {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let path = path.to_string_lossy();
    quote! { const _: &str = ::core::include_str!(#path); }
}

fn section(section: &Section) -> TokenStream {
    let sql = section.sql();
    let first_line = section.first_line();
    let spans = section.spans().iter().map(|s| {
        let (start, end, line) = (s.start, s.end, s.line);
        quote! { ::migrations_runtime::__private::StatementSpan { start: #start, end: #end, line: #line } }
    });
    quote! {
        ::migrations_runtime::__private::Section::from_parts(
            ::std::borrow::Cow::Borrowed(#sql),
            #first_line,
            ::std::borrow::Cow::Borrowed(&[#(#spans),*]),
        )
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => {
            quote! { ::core::option::Option::Some(::std::borrow::Cow::Borrowed(#value)) }
        }
        None => quote! { ::core::option::Option::None },
    }
}

fn option_id(id: Option<migrations_core::RevisionId>) -> TokenStream {
    match id {
        Some(id) => {
            let id = id.get();
            quote! { ::core::option::Option::Some(::migrations_runtime::__private::RevisionId(#id)) }
        }
        None => quote! { ::core::option::Option::None },
    }
}

fn option_duration(duration: Option<std::time::Duration>) -> TokenStream {
    match duration {
        Some(duration) => {
            // Timeouts are whole milliseconds: the header takes no smaller unit.
            let millis = duration.as_millis() as u64;
            quote! { ::core::option::Option::Some(::migrations_runtime::__private::Duration::from_millis(#millis)) }
        }
        None => quote! { ::core::option::Option::None },
    }
}

fn lint_allows(allows: &[LintAllow]) -> TokenStream {
    let allows = allows.iter().map(|allow| {
        let rules = allow.rules();
        let reason = allow.reason();
        let line = allow.line();
        quote! {
            ::migrations_runtime::__private::LintAllow::from_parts(
                ::std::borrow::Cow::Borrowed(const { &[#(::std::borrow::Cow::Borrowed(#rules)),*] }),
                ::std::borrow::Cow::Borrowed(#reason),
                #line,
            )
        }
    });
    // In a const block: a borrowed array of values with destructors is not promoted otherwise.
    quote! { ::std::borrow::Cow::Borrowed(const { &[#(#allows),*] }) }
}

fn revision(revision: &Revision) -> TokenStream {
    let id = revision.id().get();
    let name = revision.name();
    let parent = option_id(revision.parent());
    let message = option_str(revision.message());
    let up = section(revision.up());
    let down = section(revision.down());
    let transactional = revision.is_transactional();
    let lock_timeout = option_duration(revision.lock_timeout());
    let statement_timeout = option_duration(revision.statement_timeout());
    let allows = lint_allows(revision.lint_allows());
    let checksum = revision.checksum();
    let file = revision.file();
    quote! {
        ::migrations_runtime::__private::Revision::from_parts(
            ::migrations_runtime::__private::RevisionId(#id),
            ::std::borrow::Cow::Borrowed(#name),
            #parent,
            #message,
            #up,
            #down,
            ::migrations_runtime::__private::RevisionSettings {
                transactional: #transactional,
                lock_timeout: #lock_timeout,
                statement_timeout: #statement_timeout,
                lint_allows: #allows,
            },
            #checksum,
            ::std::borrow::Cow::Borrowed(#file),
        )
    }
}

fn repeatable(repeatable: &Repeatable) -> TokenStream {
    let name = repeatable.name();
    let requires = option_id(repeatable.requires());
    let message = option_str(repeatable.message());
    let body = section(repeatable.body());
    let allows = lint_allows(repeatable.lint_allows());
    let checksum = repeatable.checksum();
    let file = repeatable.file();
    quote! {
        ::migrations_runtime::__private::Repeatable::from_parts(
            ::std::borrow::Cow::Borrowed(#name),
            #requires,
            #message,
            #body,
            #allows,
            #checksum,
            ::std::borrow::Cow::Borrowed(#file),
        )
    }
}

/// `HEAD_SCHEMA`: the folder's `schema.snapshot.json` when it has one, included so that editing
/// it rebuilds the crate.
fn head_schema(dir: &Path) -> TokenStream {
    let path = dir.join(SCHEMA_SNAPSHOT);
    let value = if path.is_file() {
        let path = path.canonicalize().unwrap_or(path);
        let path = path.to_string_lossy();
        quote! { ::core::option::Option::Some(::core::include_str!(#path)) }
    } else {
        quote! { ::core::option::Option::None }
    };
    quote! {
        /// The schema at head as `cargo xtask schema` wrote it (`schema.snapshot.json` next to
        /// `versions/`), which `migrate drift` compares databases with; `None` when the folder
        /// has no such file.
        pub const HEAD_SCHEMA: ::core::option::Option<&str> = #value;
    }
}

/// The items for a set loaded from `dir`.
pub fn items(set: &RevisionSet, dir: &Path) -> TokenStream {
    let revision_names: Vec<Ident> = set
        .revisions()
        .iter()
        .map(|r| constant_name(r.slug()))
        .collect();
    let revision_docs = set.revisions().iter().map(|r| {
        let doc = format!(
            "`{}`{}",
            r.name(),
            r.message().map(|m| format!(": {m}")).unwrap_or_default()
        );
        quote! { #[doc = #doc] }
    });
    let revision_values = set.revisions().iter().map(revision);
    let revision_tracking = set
        .revisions()
        .iter()
        .map(|r| track(&revision_path(dir, r.name())));

    let repeatable_names: Vec<Ident> = set
        .repeatables()
        .iter()
        .map(|r| constant_name(r.name()))
        .collect();
    let repeatable_values = set.repeatables().iter().map(repeatable);
    let repeatable_tracking = set
        .repeatables()
        .iter()
        .map(|r| track(&repeatable_path(dir, r.name())));

    let head_schema = head_schema(dir);

    let base_and_head = match (revision_names.first(), revision_names.last()) {
        (Some(base), Some(head)) => quote! {
            /// The baseline: the first revision, the empty schema.
            pub const BASE: ::migrations_runtime::Revision = revisions::#base;
            /// The newest revision.
            pub const HEAD: ::migrations_runtime::Revision = revisions::#head;
        },
        _ => TokenStream::new(),
    };

    quote! {
        /// One constant per revision, named by its slug in upper case.
        pub mod revisions {
            #(
                #revision_docs
                pub const #revision_names: ::migrations_runtime::Revision = #revision_values;
            )*
            #(#revision_tracking)*
        }

        /// One constant per repeatable migration, named by its file name in upper case.
        pub mod repeatables {
            #(
                pub const #repeatable_names: ::migrations_runtime::Repeatable = #repeatable_values;
            )*
            #(#repeatable_tracking)*
        }

        #base_and_head

        /// Every revision, oldest first, and the repeatable migrations.
        pub const REVISIONS: ::migrations_runtime::RevisionSet =
            ::migrations_runtime::__private::RevisionSet::from_checked_parts(
                ::std::borrow::Cow::Borrowed(const { &[#(revisions::#revision_names),*] }),
                ::std::borrow::Cow::Borrowed(const { &[#(repeatables::#repeatable_names),*] }),
            );

        #head_schema

        /// The runner over [`REVISIONS`], carrying [`HEAD_SCHEMA`].
        pub fn runner() -> ::migrations_runtime::Runner {
            let runner = ::migrations_runtime::Runner::new(REVISIONS);
            match HEAD_SCHEMA {
                ::core::option::Option::Some(snapshot) => runner.with_head_schema(snapshot),
                ::core::option::Option::None => runner,
            }
        }
    }
}
