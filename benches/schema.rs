//! Reading a migration history (split, parse each statement with
//! sqlparser, apply in order, emit nodes) beside sqlparser's own
//! `Parser::parse_sql` of the same bytes, file by file: the cost of the
//! declared-schema reader over parsing alone. The history is generated
//! (250 Flyway files, 1,250 statements: tables with keys, defaults and
//! foreign keys, added and renamed columns, partial indexes, views and
//! seed rows); `INFRAWISE_SQL_BENCH_DIR` adds a real migration folder.
//!
//! Run with `cargo bench --bench schema`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infrawise_parsers::schema;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

const FILES: usize = 250;

/// Writes the generated history under `dir` and returns its files.
fn generate(dir: &Path) -> Vec<PathBuf> {
    let _ = std::fs::create_dir_all(dir);
    let mut files = Vec::new();
    for i in 1..=FILES {
        let mut sql = String::new();
        let parent = if i > 1 {
            format!(",\n    parent_id BIGINT REFERENCES t{}(id)", i - 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            sql,
            "-- table {i}\nCREATE TABLE t{i} (\n    id BIGSERIAL PRIMARY KEY,\n    name VARCHAR(120) NOT NULL,\n    status TEXT NOT NULL DEFAULT 'new',\n    amount NUMERIC(12, 2) DEFAULT 0,\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now(){parent}\n);\n"
        );
        let _ = writeln!(sql, "ALTER TABLE t{i} ADD COLUMN note TEXT;");
        let _ = writeln!(
            sql,
            "CREATE INDEX t{i}_status_idx ON t{i} USING btree (status, created_at) WHERE status <> 'archived';"
        );
        let _ = writeln!(sql, "ALTER TABLE t{i} RENAME COLUMN note TO remark;");
        if i % 5 == 0 {
            let _ = writeln!(
                sql,
                "CREATE VIEW v{i} AS SELECT a.id, a.name, b.status FROM t{i} a JOIN t{} b ON b.id = a.parent_id WHERE a.status <> 'archived';",
                i - 1
            );
        } else {
            let _ = writeln!(
                sql,
                "INSERT INTO t{i} (name, status) VALUES ('seed', 'open'), ('other', 'new');"
            );
        }
        let path = dir.join(format!("V{i}__step_{i}.sql"));
        let _ = std::fs::write(&path, sql);
        files.push(path);
    }
    files
}

/// sqlparser alone, each file's bytes at once; returns the statement count.
fn raw_parse(sources: &[String]) -> usize {
    sources
        .iter()
        .map(|text| Parser::parse_sql(&PostgreSqlDialect {}, text).map_or(0, |s| s.len()))
        .sum()
}

fn sql_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(root).build().flatten() {
        if entry.file_type().is_some_and(|t| t.is_file()) && schema::is_sql_file(entry.path()) {
            files.push(entry.into_path());
        }
    }
    files.sort();
    files
}

fn history_vs_raw_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("schema");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(8));
    let generated =
        std::env::temp_dir().join(format!("infrawise-schema-bench-{}", std::process::id()));
    let mut inputs = vec![(
        "generated".to_owned(),
        generated.clone(),
        generate(&generated),
    )];
    if let Ok(dir) = std::env::var("INFRAWISE_SQL_BENCH_DIR") {
        let root = PathBuf::from(dir);
        let files = sql_files(&root);
        inputs.push(("tree".to_owned(), root, files));
    }
    for (name, root, files) in &inputs {
        let sources: Vec<String> = files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .collect();
        let statements = raw_parse(&sources);
        let fragment = schema::parse_migrations(files, root);
        eprintln!(
            "schema/{name}: {} files, {statements} statements parsed by sqlparser; reader: {} nodes, {} edges, {} diagnostics",
            files.len(),
            fragment.nodes.len(),
            fragment.edges.len(),
            fragment.diagnostics.len()
        );
        let bytes: u64 = sources.iter().map(|s| s.len() as u64).sum();
        group.throughput(Throughput::Bytes(bytes));
        group.bench_with_input(
            BenchmarkId::new("raw_sqlparser_parse", name),
            &sources,
            |b, s| {
                b.iter(|| black_box(raw_parse(s)));
            },
        );
        group.bench_with_input(BenchmarkId::new("migrations", name), files, |b, files| {
            b.iter(|| black_box(schema::parse_migrations(files, root)));
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&generated);
}

criterion_group!(benches, history_vs_raw_parse);
criterion_main!(benches);
