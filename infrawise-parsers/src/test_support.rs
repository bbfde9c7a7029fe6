//! What the crate's unit tests share: source files of a tree, and the
//! check that a fast path gives the same fragment as the full one.

use std::path::{Path, PathBuf};

use infrawise_core::Fragment;

/// The trees an equivalence test reads: the repository's fixtures, and
/// the tree the environment variable `var` names when it is set (a real
/// source tree kept outside the repository).
pub(crate) fn test_roots(var: &str) -> Vec<PathBuf> {
    let mut roots = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")];
    if let Ok(tree) = std::env::var(var) {
        roots.push(PathBuf::from(tree));
    }
    roots
}

/// Every file under `root` that `wanted` accepts, sorted, outside
/// `node_modules`.
pub(crate) fn source_files(root: &Path, wanted: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_none_or(|n| n != "node_modules") {
                    dirs.push(path);
                }
            } else if wanted(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Panics, showing where, unless `fast` and `full` (two ways of reading
/// the tree at `root`) print as the same JSON. A tree that gives almost
/// nothing fails too, so the check cannot pass by reading nothing.
pub(crate) fn assert_same_fragment(root: &Path, fast: &Fragment, full: &Fragment) {
    assert!(full.edges.len() > 50, "{} gave too little", root.display());
    let json = |fragment: &Fragment| serde_json::to_string_pretty(fragment).expect("serialises");
    let (fast, full) = (json(fast), json(full));
    if fast == full {
        return;
    }
    let line = fast
        .lines()
        .zip(full.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(0);
    let around = |text: &str| {
        text.lines()
            .skip(line.saturating_sub(12))
            .take(24)
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "{}: the fragments differ at line {line}:\nfast path:\n{}\nfull path:\n{}",
        root.display(),
        around(&fast),
        around(&full)
    );
}
