//! The `embed!` proc-macro: a thin shim that turns a folder of revisions into checked constants.
//!
//! All the work (reading, parsing, checking, checksums) is done by `migrations-core`'s loader, the
//! same one `cargo xtask check` and the runtime use; this crate only turns its result into tokens,
//! or its problems into spanned `compile_error!`s. It never panics.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod expand;

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use proc_macro2::Span;

/// Set by the compile-fail tests, whose cases are built in a crate of trybuild's own: there
/// `CARGO_MANIFEST_DIR` does not point at the fixtures.
const MANIFEST_DIR_OVERRIDE: &str = "MIGRATIONS_MACROS_MANIFEST_DIR";

/// Embeds a folder of revisions (default: the crate's own directory), checked at compile time.
///
/// The folder holds `versions/` and optionally `repeatable/`. The expansion defines, where it is
/// called:
/// - `revisions::<SLUG>`: one constant per revision, named by its slug in upper case;
/// - `repeatables::<NAME>`: one constant per repeatable migration;
/// - `BASE`, `HEAD`: the baseline and the newest revision;
/// - `REVISIONS`: the whole set, oldest first;
/// - `HEAD_SCHEMA`: the folder's `schema.snapshot.json` (written by `cargo xtask schema`), the
///   schema at head that `migrate drift` compares databases with, or `None` without the file;
/// - `runner()`: the runner over that set, carrying `HEAD_SCHEMA`.
///
/// Every file is `include_str!`ed, so editing one rebuilds the crate. Adding or removing a file
/// changes no included file: the crate needs a `build.rs` printing
/// `cargo:rerun-if-changed=versions`, `cargo:rerun-if-changed=repeatable` and
/// `cargo:rerun-if-changed=schema.snapshot.json` for that.
#[proc_macro]
pub fn embed(input: TokenStream) -> TokenStream {
    match embed_folder(input.into()) {
        Ok(tokens) | Err(tokens) => tokens.into(),
    }
}

fn embed_folder(
    input: proc_macro2::TokenStream,
) -> Result<proc_macro2::TokenStream, proc_macro2::TokenStream> {
    let literal: Option<syn::LitStr> = syn::parse2(input.clone()).map_err(|_| {
        let message = "expected the folder as a string literal, e.g. `embed!(\"migrations\")`, or nothing for the crate's own directory";
        syn::Error::new_spanned(input, message).to_compile_error()
    })?;
    let span = literal
        .as_ref()
        .map_or_else(Span::call_site, syn::LitStr::span);
    let relative = literal
        .as_ref()
        .map_or_else(|| ".".to_owned(), syn::LitStr::value);
    if Path::new(&relative).is_absolute() {
        let message = "the folder must be relative to the crate's directory; an absolute path only works on this machine";
        return Err(syn::Error::new(span, message).to_compile_error());
    }
    let manifest_dir = std::env::var_os(MANIFEST_DIR_OVERRIDE)
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(PathBuf::from)
        .ok_or_else(|| {
            syn::Error::new(span, "CARGO_MANIFEST_DIR is not set: build with cargo")
                .to_compile_error()
        })?;
    let dir = manifest_dir.join(&relative);
    let display_root = display_root(&manifest_dir, &relative);

    let folder =
        migrations_core::Folder::parse(&migrations_core::Sources::read(&dir, &display_root));
    let fallback = folder.build_unchecked();
    match folder.into_set() {
        Ok(set) => Ok(expand::items(&set, &dir)),
        Err(error) => {
            // Expanding what did parse keeps the caller's code free of secondary errors such as
            // "cannot find value `HEAD`": only the folder's own problems are shown.
            let mut errors = error
                .diagnostics
                .iter()
                .map(|d| syn::Error::new(span, d.to_string()));
            let mut combined = errors
                .next()
                .unwrap_or_else(|| syn::Error::new(span, error.to_string()));
            combined.extend(errors);
            let mut tokens = combined.to_compile_error();
            tokens.extend(expand::items(&fallback, &dir));
            Err(tokens)
        }
    }
}

/// How the folder is named in messages: the crate directory's name joined with the argument.
fn display_root(manifest_dir: &Path, relative: &str) -> String {
    let crate_dir = manifest_dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut root = PathBuf::from(crate_dir);
    for part in Path::new(relative).components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                root.pop();
            }
            other => root.push(other),
        }
    }
    root.display().to_string()
}
