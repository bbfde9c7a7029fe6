//! Infrawise's parsers: one module per input format, each turning files
//! into a [`Fragment`](infrawise_core::Fragment). Parsers never fail on bad
//! input: what a file could not give becomes a
//! [`Diagnostic`](infrawise_core::Diagnostic) with its path and line, and
//! the rest of the scan goes on.
//!
//! Every format module has the same shape: `parse(files, root) -> Fragment`,
//! where `root` is the scan root that output paths are relative to.
#![deny(missing_docs)]

pub mod cdk;
pub mod cloudformation;
pub mod terraform;
pub mod tfstate;

use std::path::Path;

/// The path of `path` relative to `root`, with `/` separators, as it
/// appears in evidence, sources and diagnostics. A path outside `root` is
/// shown as given.
pub fn display_path(path: &Path, root: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let text = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    if text.is_empty() {
        ".".to_owned()
    } else {
        text
    }
}
