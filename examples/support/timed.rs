//! What the peer-comparison examples share: walk a tree for the files one
//! parser reads and time that parser, best of several runs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use infrawise_core::Fragment;

/// The files under `root` that `wanted` accepts (honouring `.gitignore`),
/// parsed by `parse` `repeat` times: the last fragment, the number of files
/// and the best time of walk and parse together, in seconds.
pub(crate) fn best_of(
    root: &Path,
    repeat: usize,
    wanted: impl Fn(&Path) -> bool,
    parse: impl Fn(&[PathBuf], &Path) -> Fragment,
) -> anyhow::Result<(Fragment, usize, f64)> {
    let mut best = f64::MAX;
    let mut fragment = Fragment::new();
    let mut count = 0;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        let mut files = Vec::new();
        for entry in ignore::WalkBuilder::new(root).build() {
            let entry = entry?;
            if entry.file_type().is_some_and(|t| t.is_file()) && wanted(entry.path()) {
                files.push(entry.into_path());
            }
        }
        fragment = parse(&files, root);
        best = best.min(start.elapsed().as_secs_f64());
        count = files.len();
    }
    Ok((fragment, count, best))
}

/// Prints to stderr what a timed parse gave, then `seconds <best>`, the
/// line the comparison scripts read.
pub(crate) fn report(fragment: &Fragment, files: usize, best: f64) {
    let warnings = fragment
        .diagnostics
        .iter()
        .filter(|d| d.severity >= infrawise_core::Severity::Warning)
        .count();
    eprintln!(
        "infrawise: {files} files, {} nodes, {} edges, {} diagnostics ({warnings} warnings or errors)",
        fragment.nodes.len(),
        fragment.edges.len(),
        fragment.diagnostics.len()
    );
    eprintln!("seconds {best:.6}");
}
