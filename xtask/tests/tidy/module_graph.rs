//! The modules of each crate as a graph of who imports whom, to find import circles.
//!
//! Read from the source text rather than from the compiler: `use crate::…` and `use super::…`
//! paths (brace groups included), `crate::…` paths in code, and names the crate root re-exports
//! followed to the module that defines them. A child using its parent's items (or the parent its
//! child's) is not an edge; comments and `mod tests` blocks are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module, as its path from the crate root (`[]` is the root).
pub type Module = Vec<String>;

/// The crate whose `src/` is `src`, as modules and their imports.
pub struct ModuleGraph {
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

impl ModuleGraph {
    pub fn read(src: &Path) -> ModuleGraph {
        let mut texts = BTreeMap::new();
        collect(src, src, &mut texts);
        let reexports = texts
            .get(&Vec::new())
            .map(|t| reexports(t))
            .unwrap_or_default();
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (module, text) in &texts {
            let entry = edges.entry(module.clone()).or_default();
            for (from_super, mut path) in references(text) {
                let mut target: Module = if from_super {
                    module[..module.len().saturating_sub(1)].to_vec()
                } else {
                    if let Some(defined_in) = path.first().and_then(|name| reexports.get(name)) {
                        path.splice(..1, defined_in.iter().cloned());
                    }
                    Vec::new()
                };
                target.extend(path);
                while !target.is_empty() && !texts.contains_key(&target) {
                    target.pop();
                }
                let related = target.starts_with(module) || module.starts_with(&target);
                if !related {
                    entry.insert(target);
                }
            }
        }
        ModuleGraph { edges }
    }

    /// The groups of modules that import each other, directly or through others.
    pub fn circles(&self) -> Vec<Vec<Module>> {
        let mut circles: Vec<Vec<Module>> = Vec::new();
        for start in self.edges.keys() {
            if circles.iter().any(|c| c.contains(start)) {
                continue;
            }
            let reachable = self.reachable(start);
            let circle: Vec<Module> = reachable
                .iter()
                .filter(|m| *m != start && self.reachable(m).contains(start))
                .cloned()
                .collect();
            if !circle.is_empty() {
                let mut circle = circle;
                circle.push(start.clone());
                circle.sort();
                circles.push(circle);
            }
        }
        circles
    }

    fn reachable(&self, start: &Module) -> BTreeSet<Module> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![start.clone()];
        while let Some(module) = todo.pop() {
            for next in self.edges.get(&module).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    }
}

/// Every `.rs` file under `dir` but the binaries', keyed by its module path.
fn collect(src: &Path, dir: &Path, out: &mut BTreeMap<Module, String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if dir != src || path.file_name().is_some_and(|n| n != "bin") {
                collect(src, &path, out);
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path
            .strip_prefix(src)
            .expect("under src")
            .with_extension("");
        let mut module: Module = relative
            .iter()
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        if module
            .last()
            .is_some_and(|last| ["lib", "main", "mod"].contains(&last.as_str()))
        {
            module.pop();
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        out.insert(module, code_only(&text));
    }
}

/// The text without comment lines and without a trailing `mod tests` block.
fn code_only(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        if !trimmed.starts_with("//") {
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

/// The names the crate root re-exports with `pub use module::…`, and the module they come from.
fn reexports(root: &str) -> BTreeMap<String, Module> {
    let mut out = BTreeMap::new();
    for statement in root.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let (path, names) = match rest.split_once('{') {
            Some((path, names)) => (path, names.trim_end_matches('}')),
            None => rest.rsplit_once("::").unwrap_or(("", rest)),
        };
        let module: Module = path
            .split("::")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect();
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let name = name.split_whitespace().next().unwrap_or(name);
            out.insert(name.to_owned(), module.clone());
        }
    }
    out
}

/// Each `crate::…` or `super::…` path of the code: whether it starts at `super`, and its names
/// (for a brace group, one path per first-level member).
fn references(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for keyword in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(keyword) {
            let start = from + found;
            from = start + keyword.len();
            let preceded_by_ident = start > 0
                && (bytes[start - 1].is_ascii_alphanumeric()
                    || bytes[start - 1] == b'_'
                    || bytes[start - 1] == b':');
            if preceded_by_ident {
                continue;
            }
            let (prefix, rest) = path_prefix(&code[from..]);
            let from_super = keyword == "super::";
            match rest.strip_prefix('{') {
                Some(group) => {
                    for member in group_members(group) {
                        let mut path = prefix.clone();
                        path.extend(member);
                        out.push((from_super, path));
                    }
                }
                None => out.push((from_super, prefix)),
            }
        }
    }
    out
}

/// The identifiers of `a::b::c` at the start of `text`, and what follows (`{` for a group).
fn path_prefix(text: &str) -> (Vec<String>, &str) {
    let mut names = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            return (names, rest);
        }
        names.push(rest[..end].to_owned());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => return (names, rest),
        }
    }
}

/// The first-level members of a brace group (`a::{b, c::{d}}` gives `b` and `c`), each as the
/// names of its own path prefix.
fn group_members(group: &str) -> Vec<Vec<String>> {
    let mut members = Vec::new();
    let mut depth = 0;
    let mut member_start = 0;
    for (index, character) in group.char_indices() {
        match character {
            '{' => depth += 1,
            '}' if depth == 0 => {
                members.push(&group[member_start..index]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                members.push(&group[member_start..index]);
                member_start = index + 1;
            }
            _ => {}
        }
    }
    members
        .into_iter()
        .map(|member| path_prefix(member.trim()).0)
        .filter(|path| !path.is_empty())
        .collect()
}

#[test]
fn a_circle_through_a_brace_group_and_a_reexport_is_found() {
    let dir = std::env::temp_dir().join(format!("module-graph-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("b")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "mod a;\nmod b;\npub use a::{Alpha, other};\n",
    )
    .unwrap();
    std::fs::write(
        src.join("a.rs"),
        "use crate::{b::c::Gamma, b};\npub struct Alpha;\n",
    )
    .unwrap();
    std::fs::write(src.join("b/mod.rs"), "mod c;\n").unwrap();
    // A child reaching its parent is no circle; `crate::Alpha` is `a` through the re-export.
    std::fs::write(
        src.join("b/c.rs"),
        "use super::x;\n// use crate::nothing;\nfn f() -> crate::Alpha { todo!() }\n",
    )
    .unwrap();
    let graph = ModuleGraph::read(&src);
    std::fs::remove_dir_all(&dir).unwrap();
    let module = |parts: &[&str]| parts.iter().map(|p| (*p).to_owned()).collect::<Module>();
    assert_eq!(
        graph.circles(),
        vec![vec![module(&["a"]), module(&["b", "c"])]]
    );
}
