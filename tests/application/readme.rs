//! The files the README's "Applications" section shows: each fenced block whose introducing line
//! ends with the file's path in backticks and a colon (`` `src/main.rs`: ``).

use migrations_tests::workspace_root;

/// A block of the README and the file of the example it says it is.
pub struct Shown {
    pub file: String,
    pub text: String,
}

/// The blocks of the section, in order.
pub fn application_files() -> Vec<Shown> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("read README");
    let section: Vec<&str> = readme
        .lines()
        .skip_while(|line| *line != "## Applications")
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .collect();
    assert!(
        !section.is_empty(),
        "README.md has no `## Applications` section"
    );
    let mut shown = Vec::new();
    let mut introduced: Option<String> = None;
    let mut lines = section.into_iter();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            if let Some(file) = introduced.take() {
                let mut text = block.join("\n");
                text.push('\n');
                shown.push(Shown { file, text });
            }
        } else if !line.trim().is_empty() {
            introduced = introducing_file(line);
        }
    }
    shown
}

/// The path of `` ...`path`: ``.
fn introducing_file(line: &str) -> Option<String> {
    let inner = line.strip_suffix("`:")?;
    let start = inner.rfind('`')?;
    Some(inner[start + 1..].to_owned())
}
