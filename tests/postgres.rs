//! Against a real PostgreSQL server: the fixture migrations
//! (`tests/fixtures/postgres/db/migrations`) are applied to an empty
//! database, then three manual changes (an extra index, a dropped column,
//! a changed type); the collector reads the catalog, its snapshot is
//! scanned next to a copy of the migrations, and the drift findings must
//! name exactly those three changes.
//!
//! The server comes from `INFRAWISE_TEST_PG` (a connection string to an
//! empty database), which `.ci/postgres.sh` exports after starting a
//! private server. Without it the test is skipped with a message, except
//! under CI (`CI=true`), where a missing server is a failure.
#![cfg(feature = "postgres")]

mod common;

use std::path::{Path, PathBuf};

use infrawise::collect::{self, PostgresOptions};
use infrawise::graph::{Finding, FindingCode, StalenessOptions, drift, staleness};
use infrawise::{ScanOptions, scan};

/// The tests share one database: one at a time.
static DATABASE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn migrations() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postgres/db/migrations")
}

fn migration_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(migrations())
        .unwrap_or_else(|e| panic!("fixtures: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// A fresh schema: everything the previous run left is dropped.
fn reset(client: &mut postgres::Client) {
    client
        .batch_execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
        .unwrap_or_else(|e| panic!("reset: {e}"));
}

/// Uses every declared non-unique index once, so none is reported unused,
/// and waits until the statistics show it.
fn use_indexes(client: &mut postgres::Client) {
    client
        .batch_execute(
            "SET enable_seqscan = off; SET enable_bitmapscan = off;
             SELECT count(*) FROM orders WHERE status = 'open';
             SELECT count(*) FROM order_items WHERE lower(sku) = 'x';",
        )
        .unwrap_or_else(|e| panic!("queries: {e}"));
    for _ in 0..100 {
        // PostgreSQL 15 and later: flush this session's statistics now.
        let _ = client.batch_execute("SELECT pg_stat_force_next_flush()");
        let _ = client.batch_execute("SELECT pg_stat_clear_snapshot()");
        let unscanned: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_user_indexes \
                 WHERE indexrelname IN ('orders_status_idx', 'order_items_sku_idx') AND idx_scan = 0",
                &[],
            )
            .and_then(|row| row.try_get(0))
            .unwrap_or_else(|e| panic!("statistics: {e}"));
        if unscanned == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("index scans never reached the statistics");
}

fn summary(findings: &[Finding]) -> Vec<String> {
    let mut lines: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", f.code, f.message))
        .collect();
    lines.sort();
    lines
}

#[test]
fn drift_names_exactly_the_manual_changes() {
    let Some(url) = common::postgres_server() else {
        return;
    };
    let _database = DATABASE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut client =
        postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| panic!("{e}"));
    reset(&mut client);
    for file in migration_files() {
        let sql = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
        client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    // The manual changes the migrations do not know about.
    client
        .batch_execute(
            "CREATE INDEX orders_customer_id_idx ON orders (customer_id);
             ALTER TABLE orders DROP COLUMN note;
             ALTER TABLE customers ALTER COLUMN name TYPE VARCHAR(100);",
        )
        .unwrap_or_else(|e| panic!("manual changes: {e}"));
    use_indexes(&mut client);

    let snapshot = collect::postgres(&url, &PostgresOptions::default())
        .unwrap_or_else(|e| panic!("collect: {e}"));
    assert!(snapshot.complete, "every schema is readable by the owner");

    let dir = std::env::temp_dir().join(format!("infrawise-pg-scan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let copy = dir.join("db/migrations");
    std::fs::create_dir_all(&copy).unwrap_or_else(|e| panic!("{e}"));
    for file in migration_files() {
        let name = file.file_name().unwrap_or_default();
        std::fs::copy(&file, copy.join(name)).unwrap_or_else(|e| panic!("{e}"));
    }
    let snapshot_path = dir.join("snapshot.json");
    collect::write_snapshot(&snapshot, &snapshot_path).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(&snapshot_path).unwrap_or_default();
    assert!(!text.contains("postgres@"), "no user in the snapshot");

    let result = scan(&dir, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let found = drift(&result.graph);
    assert_eq!(
        summary(&found),
        [
            "column-type-changed column customers.name: type is declared \"text\" but observed \"character varying(100)\"",
            "schema-declared-missing column orders.note is declared but absent from the database (snapshot.json)",
            "schema-undeclared index orders_customer_id_idx is in the database but no migration or model declares it",
        ],
        "diagnostics: {:#?}",
        result.graph.diagnostics()
    );
    let codes: Vec<FindingCode> = found.iter().map(|f| f.code).collect();
    assert_eq!(
        codes,
        [
            FindingCode::SchemaDeclaredMissing,
            FindingCode::SchemaUndeclared,
            FindingCode::ColumnTypeChanged
        ]
    );
    // Staleness reports the same schema facts and nothing else.
    let stale: Vec<String> = summary(&staleness(&result.graph, &StalenessOptions::default()));
    assert_eq!(stale, summary(&found));
}

/// `url` with a password added to its user (`postgres` → `postgres:hunter2`);
/// the private server trusts local connections, so the password is never
/// checked, only carried.
fn with_password(url: &str) -> String {
    url.replacen(
        "postgresql://postgres@",
        "postgresql://postgres:hunter2-secret@",
        1,
    )
}

#[test]
fn cli_collect_writes_no_credentials() {
    let Some(url) = common::postgres_server() else {
        return;
    };
    let _database = DATABASE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let url = with_password(&url);
    assert!(url.contains("hunter2-secret"), "{url}");
    let dir = std::env::temp_dir().join(format!("infrawise-pg-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("snapshot.json");
    let output = std::process::Command::new(common::binary())
        .args(["collect", "postgres", &url, "-o"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(text.contains("\"infrawise_snapshot\": 1"), "{text}");
    for secret in ["hunter2-secret", "postgres@", "postgres:hunter2"] {
        assert!(!text.contains(secret), "{secret} in the snapshot");
        assert!(!stderr.contains(secret), "{secret} in stderr: {stderr}");
    }
}

#[test]
fn cli_collect_failure_is_an_input_error_without_the_password() {
    // Nothing listens on this socket directory: the connection fails
    // whether or not a server was started.
    let url = "postgresql://app:hunter2-secret@/shop?host=/nonexistent-infrawise&port=1";
    let output = std::process::Command::new(common::binary())
        .args([
            "collect",
            "postgres",
            url,
            "-o",
            "/nonexistent-infrawise/out.json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");
    assert!(!stderr.contains("hunter2-secret"), "{stderr}");
}
