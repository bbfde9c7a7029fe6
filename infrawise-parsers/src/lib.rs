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
pub mod code;
pub mod dbsnapshot;
pub mod inventory;
pub mod kubernetes;
pub mod python;
pub mod relational;
pub mod runtime;
pub mod schema;
pub mod terraform;
pub mod tfstate;
pub mod typescript;

#[cfg(test)]
mod test_support;

use std::path::Path;

/// The path of `path` relative to `root`, with `/` separators, as it
/// appears in evidence, sources and diagnostics. A path outside `root` is
/// shown as given.
pub fn display_path(path: &Path, root: &Path) -> String {
    let Ok(relative) = path.strip_prefix(root) else {
        return path.to_string_lossy().replace('\\', "/");
    };
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

/// Resolves `.` and `..` segments of a `/`-separated display path without
/// touching the file system (`services/billing/../../app` becomes `app`).
/// `..` that climbs above the start is kept, so the result never claims a
/// place inside the scan root that the input did not name.
pub(crate) fn normalize_display(text: &str) -> String {
    let absolute = text.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{display_path, normalize_display};

    #[test]
    fn display_paths_normalize_lexically() {
        assert_eq!(normalize_display("services/billing/../../app"), "app");
        assert_eq!(normalize_display("a/./b/"), "a/b");
        assert_eq!(normalize_display("a/../../up"), "../up");
        assert_eq!(normalize_display("a/.."), ".");
        assert_eq!(normalize_display("/x/../../y"), "/y");
    }

    #[test]
    fn paths_are_shown_relative_to_the_root_with_forward_slashes() {
        assert_eq!(
            display_path(Path::new("/a/b/c.tf"), Path::new("/a")),
            "b/c.tf"
        );
        assert_eq!(display_path(Path::new("/a"), Path::new("/a")), ".");
        assert_eq!(
            display_path(Path::new("/elsewhere/x.yaml"), Path::new("/a")),
            "/elsewhere/x.yaml"
        );
        assert_eq!(
            display_path(Path::new("rel/x.yaml"), Path::new("/a")),
            "rel/x.yaml"
        );
    }
}
