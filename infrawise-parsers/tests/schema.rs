//! Declared schemas over `tests/fixtures/schema/`: one snapshot per
//! migration layout, dialect and ORM, and focused checks of the rules
//! (order, renames, drops, down migrations, unreadable statements).

use std::path::{Path, PathBuf};

use infrawise_core::{Fragment, Node, NodeRef, Origin};
use infrawise_parsers::relational::Dialect;
use infrawise_parsers::schema::{self, SchemaOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/schema")
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Migrations and models of one fixture folder, as one fragment.
fn read(project: &str) -> Fragment {
    let root = fixtures().join(project);
    let all = files(&root);
    let sql: Vec<PathBuf> = all
        .iter()
        .filter(|f| schema::is_sql_file(f))
        .cloned()
        .collect();
    let models: Vec<PathBuf> = all
        .iter()
        .filter(|f| !schema::is_sql_file(f))
        .cloned()
        .collect();
    let mut fragment = schema::parse_migrations(&sql, &root);
    fragment.extend(schema::parse_models(&models, &root));
    fragment
}

#[test]
fn snapshots() {
    for project in [
        "flyway",
        "golang-migrate",
        "dbmate",
        "prisma",
        "diesel",
        "schema_sql",
        "mysql",
        "sqlite",
        "unparseable",
        "sqlalchemy",
        "django",
        "typeorm",
    ] {
        insta::assert_snapshot!(project, read(project).render());
    }
}

fn node<'f>(fragment: &'f Fragment, id: &str) -> &'f Node {
    fragment
        .nodes
        .iter()
        .find(|n| n.id.as_str() == id)
        .unwrap_or_else(|| panic!("no node {id} in\n{}", fragment.render()))
}

fn has(fragment: &Fragment, id: &str) -> bool {
    fragment.nodes.iter().any(|n| n.id.as_str() == id)
}

fn attribute(node: &Node, name: &str) -> String {
    node.attributes
        .get(name)
        .and_then(|values| values.get(&Origin::Declared))
        .map(|v| serde_json::to_string(v).unwrap_or_default())
        .unwrap_or_default()
}

fn evidence_at(node: &Node) -> Vec<String> {
    node.evidence
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e.path.as_deref().unwrap_or(""),
                e.line().unwrap_or(0)
            )
        })
        .collect()
}

const FLYWAY: &str = "src/main/resources/db/migration";

#[test]
fn a_renamed_column_keeps_the_evidence_of_the_rename() {
    let flyway = read("flyway");
    assert!(!has(&flyway, "sql:public.orders.state"));
    let status = node(&flyway, "sql:public.orders.status");
    assert_eq!(
        evidence_at(status),
        [format!("{FLYWAY}/V2__rename_state.sql:2")]
    );
    assert_eq!(attribute(status, "type"), "\"character varying(20)\"");
    assert_eq!(attribute(status, "default"), "\"'new'\"");
    // The index created after the rename covers the renamed column.
    let index = node(&flyway, "sql:public.orders_status_idx");
    assert_eq!(attribute(index, "columns"), "[\"status\"]");
    assert_eq!(attribute(index, "predicate"), "\"status <> 'archived'\"");
}

#[test]
fn migrations_apply_in_version_order_and_skip_undo_files() {
    let flyway = read("flyway");
    // V1.1 set NOT NULL and a default on total; V10 (after V2) dropped legacy_code.
    let total = node(&flyway, "sql:public.orders.total");
    assert_eq!(attribute(total, "nullable"), "false");
    assert_eq!(attribute(total, "default"), "\"0\"");
    assert!(!has(&flyway, "sql:public.orders.legacy_code"));
    assert!(!has(&flyway, "sql:public.orders_customer_note_key"));
    // The undo file U2 would rename status back; it is never applied.
    assert!(has(&flyway, "sql:public.orders.status"));
    assert!(flyway.sources.iter().all(|s| !s.path.contains("U2__")));
    // A SERIAL column's default is the sequence PostgreSQL makes for it.
    let id = node(&flyway, "sql:public.orders.id");
    assert_eq!(attribute(id, "default"), "\"nextval('orders_id_seq')\"");
    assert_eq!(attribute(id, "type"), "\"integer\"");
}

#[test]
fn down_migrations_are_ignored() {
    let migrate = read("golang-migrate");
    assert!(has(&migrate, "sql:public.users"));
    assert!(has(&migrate, "sql:public.users.mood"));
    assert!(
        migrate
            .sources
            .iter()
            .all(|s| !s.path.ends_with(".down.sql"))
    );
    let dbmate = read("dbmate");
    assert!(has(&dbmate, "sql:public.products.category_id"));
    assert!(has(&dbmate, "sql:public.products_category_idx"));
    let diesel = read("diesel");
    assert!(has(&diesel, "sql:public.posts_published_idx"));
}

#[test]
fn foreign_keys_link_tables_and_columns() {
    let flyway = read("flyway");
    let edge = |from: &str, to: &str| {
        flyway.edges.iter().any(|e| {
            e.kind.as_str() == "foreign_key"
                && e.from == NodeRef::Id(infrawise_core::NodeId::new(from))
                && e.to == NodeRef::Id(infrawise_core::NodeId::new(to))
        })
    };
    assert!(edge("sql:public.orders", "sql:public.customers"));
    assert!(edge(
        "sql:public.orders.customer_id",
        "sql:public.customers.id"
    ));
    assert!(edge(
        "sql:public.audit_log.order_id",
        "sql:public.orders.id"
    ));
}

#[test]
fn an_unreadable_statement_costs_that_statement_only() {
    let fragment = read("unparseable");
    assert_eq!(fragment.diagnostics.len(), 1, "{:?}", fragment.diagnostics);
    let diagnostic = &fragment.diagnostics[0];
    assert_eq!(diagnostic.path, "schema.sql");
    assert_eq!(diagnostic.line, Some(8));
    assert!(!has(&fragment, "sql:public.broken"));
    // The statement after the bad one was applied.
    assert!(has(&fragment, "sql:public.widgets.colour"));
}

#[test]
fn dialects_come_from_hints_and_flags() {
    let mysql = read("mysql");
    assert!(has(&mysql, "sql:default.purchases"));
    assert!(has(&mysql, "sql:default.purchases/PRIMARY"));
    assert!(has(&mysql, "sql:default.customers/PRIMARY"));
    let status = node(&mysql, "sql:default.purchases.status");
    assert_eq!(attribute(status, "type"), "\"character varying(32)\"");
    let sqlite = read("sqlite");
    assert!(has(&sqlite, "sql:main.memos"));
    assert!(has(&sqlite, "sql:main.tags_tag"));
    // A flag overrides the hint.
    let root = fixtures().join("sqlite");
    let forced = schema::parse_migrations_with(
        &files(&root),
        &root,
        &SchemaOptions {
            dialect: Some(Dialect::Postgres),
        },
    );
    // Read as PostgreSQL, the tables land in `public`, and SQLite's untyped
    // column is an error there, reported on its own line.
    assert!(has(&forced, "sql:public.tags"), "{}", forced.render());
    assert!(!has(&forced, "sql:public.memos"));
    let lines: Vec<Option<u32>> = forced.diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, [Some(5)]);
}

#[test]
fn prisma_schema_and_its_migrations_agree() {
    let prisma = read("prisma");
    for (table, column) in [
        ("User", "email"),
        ("User", "role"),
        ("User", "createdAt"),
        ("posts", "author_id"),
        ("posts", "title"),
    ] {
        let migration = node(&prisma, &format!("sql:public.{table}.{column}"));
        let model = node(&prisma, &format!("orm:public.{table}.{column}"));
        assert_eq!(migration.attributes, model.attributes, "{table}.{column}");
        assert_eq!(migration.aliases, model.aliases);
    }
    for index in [
        "User_pkey",
        "User_email_key",
        "posts_published_author_id_idx",
    ] {
        let migration = node(&prisma, &format!("sql:public.{index}"));
        let model = node(&prisma, &format!("orm:public.{index}"));
        assert_eq!(migration.attributes, model.attributes, "{index}");
    }
}

#[test]
fn the_parsers_never_panic_on_mangled_input() {
    let dir = std::env::temp_dir().join(format!("infrawise-schema-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let seeds: Vec<(PathBuf, String)> = files(&fixtures())
        .into_iter()
        .filter_map(|f| Some((f.clone(), std::fs::read_to_string(&f).ok()?)))
        .collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..200 {
        let Some((path, text)) = seeds.get((next() % seeds.len() as u64) as usize) else {
            continue;
        };
        let bytes = text.as_bytes();
        let cut = (next() % (bytes.len() as u64 + 1)) as usize;
        let other = (next() % (bytes.len() as u64 + 1)) as usize;
        let (a, b) = (cut.min(other), cut.max(other));
        let mut mangled = bytes[..a].to_vec();
        mangled.extend_from_slice(&bytes[b..]);
        mangled.extend_from_slice(&bytes[a..b.min(a + 40)]);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = dir.join(format!("{round}_{name}"));
        let _ = std::fs::write(&target, &mangled);
        let _ = schema::parse_migrations(std::slice::from_ref(&target), &dir);
        let _ = schema::parse_models(std::slice::from_ref(&target), &dir);
        let _ = std::fs::remove_file(&target);
    }
    let _ = std::fs::remove_dir(&dir);
}

#[test]
fn a_model_that_disagrees_with_its_migration_is_reported() {
    let root = fixtures().join("../schema_app");
    let all = files(&root);
    let sql: Vec<PathBuf> = all
        .iter()
        .filter(|f| schema::is_sql_file(f))
        .cloned()
        .collect();
    let models: Vec<PathBuf> = all
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "py"))
        .cloned()
        .collect();
    let migrations = schema::parse_migrations(&sql, &root);
    let models = schema::parse_models(&models, &root);
    let conflicts: Vec<String> = schema::declaration_conflicts(&migrations, &models)
        .iter()
        .map(|c| c.to_diagnostic().to_string())
        .collect();
    assert_eq!(
        conflicts,
        [
            "app/models.py:26: warning: declarations disagree on public.orders.note: type: migration says text, model says character varying(500) (sql db/migrations/V2__order_notes.sql:1 vs sqlalchemy app/models.py:26)"
        ]
    );
}
