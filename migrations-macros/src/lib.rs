//! The `embed!` proc-macro: a thin shim that turns a folder of revisions into checked constants.
//!
//! All the work (reading, parsing, checking, checksums) is done by `migrations-core`'s loader, the
//! same one `cargo xtask check` and the runtime use; this crate only turns its result into tokens,
//! or its problems into spanned `compile_error!`s. It never panics.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod build_script;
mod expand;

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use proc_macro2::Span;

/// Set by the compile-fail tests, whose cases are built in a crate of trybuild's own: there
/// `CARGO_MANIFEST_DIR` does not point at the fixtures.
const MANIFEST_DIR_OVERRIDE: &str = "MIGRATIONS_MACROS_MANIFEST_DIR";

/// The folder embedded when `embed!()` names none: `migrations/` next to `Cargo.toml`, the folder
/// the command-line tools default to as well.
const DEFAULT_FOLDER: &str = "migrations";

/// Embeds a folder of revisions, checked at compile time: `embed!()` embeds `migrations/` next to
/// the crate's `Cargo.toml`, `embed!("path")` another folder, relative to the crate's directory
/// (`embed!(".")` for the crate's directory itself).
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
/// Every file is `include_str!`ed, so editing or removing one rebuilds the crate. A file added to
/// the folder is seen only through a build script that watches the folder; the crate fails to
/// compile without one, with the build script to add:
///
/// ```text
/// fn main() {
///     println!("cargo::rerun-if-changed=migrations");
/// }
/// ```
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
        let message = "expected the folder as a string literal, e.g. `embed!(\"db/migrations\")`, or nothing for `migrations`";
        syn::Error::new_spanned(input, message).to_compile_error()
    })?;
    let span = literal
        .as_ref()
        .map_or_else(Span::call_site, syn::LitStr::span);
    let relative = literal
        .as_ref()
        .map_or_else(|| DEFAULT_FOLDER.to_owned(), syn::LitStr::value);
    if Path::new(&relative).is_absolute() {
        let message = "the folder must be relative to the crate's directory; an absolute path only works on this machine";
        return Err(syn::Error::new(span, message).to_compile_error());
    }
    let override_dir = std::env::var_os(MANIFEST_DIR_OVERRIDE);
    // The compile-fail tests' crate is trybuild's: it has no build script, and the folders it
    // embeds are fixtures, not its own.
    let check_build_script = override_dir.is_none();
    let manifest_dir = override_dir
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
    let watched = if check_build_script {
        let folder = build_script::Folder {
            manifest_dir: &manifest_dir,
            relative: &relative,
        };
        folder.check_watched()
    } else {
        Ok(())
    };
    let (set, mut messages) = match folder.into_set() {
        Ok(set) => (set, Vec::new()),
        Err(error) if error.diagnostics.is_empty() => (fallback, vec![error.to_string()]),
        Err(error) => {
            let messages = error.diagnostics.iter().map(|d| d.to_string()).collect();
            (fallback, messages)
        }
    };
    messages.extend(watched.err());
    let items = expand::items(&set, &dir);
    let mut errors = messages.iter().map(|m| syn::Error::new(span, m));
    let Some(mut combined) = errors.next() else {
        return Ok(items);
    };
    combined.extend(errors);
    // Expanding what did parse keeps the caller's code free of secondary errors such as "cannot
    // find value `HEAD`": only the folder's own problems are shown.
    let mut tokens = combined.to_compile_error();
    tokens.extend(items);
    Err(tokens)
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
