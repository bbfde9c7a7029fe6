//! What the facade's end-to-end tests share: where the `infrawise` example
//! binary is (`cargo test` builds the examples before running tests) and
//! where the demo system is.
#![allow(dead_code, reason = "each test binary uses part of this module")]

use std::path::{Path, PathBuf};

/// The `infrawise` example binary of the profile this test runs under.
pub(crate) fn binary() -> PathBuf {
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/examples/infrawise
    let test = std::env::current_exe().unwrap_or_default();
    let profile_dir = test
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    profile_dir
        .join("examples")
        .join(format!("infrawise{}", std::env::consts::EXE_SUFFIX))
}

/// The shipped demo system.
pub(crate) fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}
