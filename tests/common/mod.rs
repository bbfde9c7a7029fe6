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

/// A fresh scan tree `name` under the test target directory: `files`
/// written as given (`(path, text)`), then `copies` taken from
/// `tests/fixtures` (`(fixture path, path in the tree)`).
pub(crate) fn tree<C: AsRef<str>>(
    name: &str,
    files: &[(&str, &str)],
    copies: &[(C, C)],
) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&root);
    let place = |path: &str| {
        let to = root.join(path);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        to
    };
    for (path, text) in files {
        std::fs::write(place(path), text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    for (from, to) in copies {
        let from = from.as_ref();
        std::fs::copy(fixtures.join(from), place(to.as_ref()))
            .unwrap_or_else(|e| panic!("{from}: {e}"));
    }
    root
}

/// The PostgreSQL server of the integration tests, from
/// `INFRAWISE_TEST_PG` (which `.ci/postgres.sh` exports). Without it the
/// test is skipped with a message, except under CI (`CI=true`), where a
/// missing server is a failure.
pub(crate) fn postgres_server() -> Option<String> {
    match std::env::var("INFRAWISE_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but INFRAWISE_TEST_PG is not set: .ci/run starts the server with .ci/postgres.sh"
            );
            eprintln!(
                "skipping a PostgreSQL integration test: set INFRAWISE_TEST_PG \
                 (`. .ci/postgres.sh` starts a private server and sets it)"
            );
            None
        }
    }
}
