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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::display_path;

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
