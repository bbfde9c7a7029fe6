//! Snapshot tests for the TypeScript/JavaScript parser over committed
//! mini-repositories, plus the guarantees that matter most: resolution
//! across tsconfig `paths`/`extends` and workspaces, nothing under
//! `node_modules` is read, credentials never stored, and no input makes it
//! panic.

use std::path::{Path, PathBuf};

use infrawise_core::Fragment;
use infrawise_parsers::typescript;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/typescript");

/// Every file under `dir`, recursively, sorted (including `node_modules`,
/// which the parser must skip on its own).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn scan(project: &str) -> Fragment {
    let root = Path::new(FIXTURES).join(project);
    let files: Vec<PathBuf> = files_under(&root)
        .into_iter()
        .filter(|p| typescript::is_source_file(p))
        .collect();
    typescript::parse(&files, &root)
}

#[test]
fn pnpm_monorepo() {
    insta::assert_snapshot!(scan("monorepo").render());
}

#[test]
fn yarn_workspaces() {
    insta::assert_snapshot!(scan("yarn").render());
}

/// The edges the issue names, checked one by one so a regression names itself.
#[test]
fn monorepo_edges_that_matter() {
    let rendered = scan("monorepo").render();
    for expected in [
        // tsconfig `paths` through `extends`, exact pattern over wildcard
        "edge ts:apps/api/src/handler.ts -[imports]-> ts:apps/api/src/config.ts",
        // pnpm workspace package through `exports` (conditional and subpath patterns)
        "edge ts:apps/api/src/handler.ts -[imports]-> ts:packages/shared/src/index.ts",
        "edge ts:apps/api/src/handler.ts -[imports]-> ts:packages/shared/src/utils/slug.ts",
        // `main` naming an unbuilt dist file falls back to src/
        "edge ts:apps/api/src/handler.ts -[imports]-> ts:packages/db/src/index.ts",
        // `.js` specifier naming a `.ts` source; re-exports
        "edge ts:packages/shared/src/index.ts -[imports]-> ts:packages/shared/src/dates.ts",
        "edge ts:packages/shared/src/index.ts -[imports]-> ts:packages/shared/src/types.ts",
        // require, import = require, dynamic import
        "edge ts:apps/api/src/lazy.ts -[imports]-> ts:apps/api/src/legacy.cjs",
        "edge ts:apps/api/src/lazy.ts -[imports]-> ts:apps/api/src/kafka.ts",
        "edge ts:apps/api/src/v2.js -[imports]-> ts:packages/shared/src/index.ts",
        // external packages, scope kept whole
        "edge ts:apps/api/src/handler.ts -[imports]-> pkg:npm:@aws-sdk/client-sqs",
        // a queue URL literal, an env-var name, a GSI through constants
        "edge ts:apps/api/src/handler.ts#handler -[publishes]-> <name[queue]:report-queue>",
        "edge ts:apps/api/src/handler.ts#handler -[publishes]-> <env_value[queue]:QUEUE_URL>",
        "edge ts:apps/api/src/handler.ts#handler -[reads]-> <name[index]:orders/by-customer>",
        "edge ts:apps/api/src/v2.js#handler -[reads]-> <name[index]:orders/by-customer>",
        // kafka producer and consumer
        "edge ts:apps/api/src/kafka.ts#publishOrder -[publishes]-> kafka:orders-created",
        "edge ts:apps/api/src/kafka.ts#consume -[consumes]-> kafka:audit-events",
        // SQL strings
        "edge ts:packages/db/src/index.ts#recentOrders -[reads]-> <name[table]:orders>",
        "edge ts:packages/db/src/index.ts#markPaid -[writes]-> <name[column]:orders.status>",
        // axios to an env-var host
        "edge ts:apps/api/src/http.ts#sync -[calls]-> <env_value[endpoint]:BILLING_HOST>",
        // env reads in every form
        "edge ts:apps/api/src/handler.ts#main -[configured_by]-> env:AUDIT_TABLE",
        "edge ts:apps/api/src/service.ts#secrets -[configured_by]-> env:DB_SECRET",
        "edge ts:apps/api/src/v2.js#handler -[configured_by]-> env:REPORT_QUEUE_URL",
    ] {
        assert!(rendered.contains(expected), "missing: {expected}");
    }
    for handler in [
        "alias handler:apps/api/src/handler.handler",
        "alias handler:apps/api/src/handler.main",
        "alias handler:apps/api/src/v2.handler",
        "alias handler:apps/api/src/legacy.main",
        "alias handler:apps/api/src/legacy.worker",
        // `export const handler = middy(async () => …)` and `= wrap(fn)`
        "alias handler:apps/api/src/handler.wrapped",
        "alias handler:apps/api/src/handler.rewrapped",
    ] {
        assert!(
            rendered.contains(handler),
            "missing handler alias {handler}"
        );
    }
    assert!(
        !rendered.contains("handler:apps/api/src/handler.helper"),
        "an unexported function is no handler"
    );
    assert!(
        !rendered.contains("pkg:npm:@acme/"),
        "a workspace package is never external"
    );
    assert!(!rendered.contains("node_modules"), "node_modules was read");
    assert!(!rendered.contains("NEVER_READ"), "node_modules was read");
    assert!(!rendered.contains("hunter2"), "a credential was stored");
    assert!(
        !rendered.contains("pkg:npm:fs") && !rendered.contains("pkg:npm:node:"),
        "built-ins are not packages"
    );
}

#[test]
fn syntax_errors_keep_the_partial_tree() {
    let fragment = scan("monorepo");
    let broken: Vec<_> = fragment
        .diagnostics
        .iter()
        .filter(|d| d.path == "apps/api/src/broken.ts")
        .collect();
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert_eq!(broken[0].line, Some(7));
    let rendered = fragment.render();
    assert!(
        rendered.contains(
            "edge ts:apps/api/src/broken.ts -[imports]-> ts:packages/shared/src/index.ts"
        )
    );
    assert!(rendered.contains("ts:apps/api/src/broken.ts#ok"));
}

/// A tiny deterministic generator, so the mutations are the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
}

/// Random byte mutations of every fixture file (sources and configs),
/// each parsed with the rest of its project: nothing may panic.
#[test]
fn mutated_sources_never_panic() {
    let root = std::env::temp_dir().join(format!("infrawise-ts-fuzz-{}", std::process::id()));
    let source_root = Path::new(FIXTURES).join("monorepo");
    let originals: Vec<(PathBuf, Vec<u8>)> = files_under(&source_root)
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some((p.strip_prefix(&source_root).ok()?.to_path_buf(), bytes))
        })
        .collect();
    let write_all = |override_file: Option<(&Path, &[u8])>| {
        for (relative, bytes) in &originals {
            let target = root.join(relative);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
            }
            let content = match override_file {
                Some((path, mutated)) if path == relative.as_path() => mutated,
                _ => bytes.as_slice(),
            };
            std::fs::write(&target, content).unwrap_or_else(|e| panic!("{e}"));
        }
    };
    let mut random = Lcg(0x5eed);
    let alphabet = b"{}()[]<>'\"`$;:,.=/*\\\n ab\xff\x00";
    let mut runs = 0;
    for round in 0..12 {
        for (relative, bytes) in &originals {
            if bytes.is_empty() {
                continue;
            }
            let mut mutated = bytes.clone();
            for _ in 0..=(round % 4) {
                let at = random.next() % mutated.len();
                match random.next() % 3 {
                    0 => mutated[at] = alphabet[random.next() % alphabet.len()],
                    1 => mutated.truncate(at.max(1)),
                    _ => mutated.insert(at, alphabet[random.next() % alphabet.len()]),
                }
            }
            write_all(Some((relative, &mutated)));
            let files: Vec<PathBuf> = files_under(&root)
                .into_iter()
                .filter(|p| typescript::is_source_file(p))
                .collect();
            let _ = typescript::parse(&files, &root).render();
            runs += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&root);
    assert!(runs > 200, "only {runs} variants were tried");
}

/// Deeply nested code (generated bundles have it) is read up to a depth
/// limit, with a warning, instead of exhausting the stack.
#[test]
fn deep_nesting_is_cut_off_with_a_warning() {
    let root = std::env::temp_dir().join(format!("infrawise-ts-deep-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{e}"));
    let depth = 20_000;
    let text = format!(
        "import a from './a';\nexport const x = () => {}1{};\n",
        "[(".repeat(depth),
        ")]".repeat(depth)
    );
    let file = root.join("deep.js");
    std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
    let fragment = typescript::parse(&[file], &root);
    let _ = std::fs::remove_dir_all(&root);
    assert!(
        fragment
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with("nesting deeper")),
        "{:?}",
        fragment.diagnostics
    );
    assert!(fragment.render().contains("ts:deep.js#x"));
}
