//! The Python parser over `tests/fixtures/python/`: a snapshot per project,
//! the edges that matter checked by name, and a seeded mutation run proving
//! no input makes it panic.

use std::path::{Path, PathBuf};

use infrawise_core::Fragment;
use infrawise_parsers::python;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/python")
}

fn python_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if python::is_source_file(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn parse(project: &str) -> Fragment {
    let root = fixtures().join(project);
    python::parse(&python_files(&root), &root)
}

#[test]
fn shop_snapshot() {
    insta::assert_snapshot!(parse("shop").render());
}

fn has_edge(fragment: &Fragment, from: &str, kind: &str, to: &str) -> bool {
    fragment.edges.iter().any(|e| {
        let name = |r: &infrawise_core::NodeRef| match r {
            infrawise_core::NodeRef::Id(id) => id.to_string(),
            infrawise_core::NodeRef::Alias(alias) => alias.to_string(),
        };
        name(&e.from) == from && e.kind.as_str() == kind && name(&e.to) == to
    })
}

#[test]
fn the_edges_that_matter() {
    let shop = parse("shop");
    let orders = "py:src/shop/orders.py";
    for (from, kind, to) in [
        (orders, "imports", "py:src/shop/util.py"),
        (orders, "imports", "py:src/shop/sub/deep.py"),
        (orders, "imports", "pkg:pypi:boto3"),
        (orders, "imports", "pkg:pypi:requests"),
        ("py:src/shop/sub/deep.py", "imports", orders),
        (
            "py:src/shop/orders.py#OrderService.submit",
            "publishes",
            "env_value[queue]:ORDERS_QUEUE_URL",
        ),
        (
            "py:src/shop/orders.py#OrderService.submit",
            "configured_by",
            "env:ORDERS_QUEUE_URL",
        ),
        (
            "py:src/shop/orders.py#OrderService.by_customer",
            "reads",
            "name[table]:orders",
        ),
        (
            "py:src/shop/orders.py#OrderService.by_customer",
            "reads",
            "name[index]:orders/by-customer",
        ),
        (
            "py:src/shop/orders.py#OrderService.archive",
            "writes",
            "name[table]:archived_orders",
        ),
        (
            "py:src/shop/orders.py#OrderService.archive",
            "writes",
            "name[column]:archived_orders.archived_at",
        ),
        (
            "py:src/shop/orders.py#handler",
            "writes",
            "name[bucket]:orders-exports",
        ),
        (
            "py:src/shop/orders.py#handler",
            "configured_by",
            "env:AWS_REGION",
        ),
        (
            "py:src/shop/orders.py#OrderService",
            "contains",
            "py:src/shop/orders.py#OrderService.submit",
        ),
        (
            "py:scripts/broken.py#later",
            "consumes",
            "name[queue]:leftovers",
        ),
        (
            "py:src/shop/events.py#publish_order",
            "publishes",
            "name[topic]:orders.created",
        ),
        (
            "py:src/shop/events.py#publish_order",
            "publishes",
            "name[topic]:audit-log",
        ),
        (
            "py:src/shop/events.py#publish_order",
            "publishes",
            "env_value[topic]:EVENTS_TOPIC",
        ),
        (
            "py:src/shop/events.py#consume",
            "consumes",
            "name[topic]:orders.cancelled",
        ),
        (
            "py:src/shop/events.py#consume",
            "consumes",
            "name[topic]:orders.legacy",
        ),
        (
            "py:src/shop/events.py#cached_total",
            "writes",
            "name[endpoint]:redis://cache.internal:6380",
        ),
        (
            "py:src/shop/events.py#cached_total",
            "reads",
            "env_value[endpoint]:SESSION_REDIS_URL",
        ),
        (
            "py:src/shop/events.py#charge",
            "calls",
            "name[endpoint]:https://payments.example.com",
        ),
        (
            "py:src/shop/events.py#charge",
            "calls",
            "name[endpoint]:https://inventory.example.com",
        ),
        (
            "py:src/shop/events.py#charge",
            "calls",
            "name[endpoint]:https://fraud.example.com:8443",
        ),
    ] {
        assert!(
            has_edge(&shop, from, kind, to),
            "missing {from} -{kind}-> {to}"
        );
    }
    // Type-only imports are marked; the standard library is no package.
    assert!(
        shop.edges
            .iter()
            .any(|e| e.evidence[0].detail.ends_with("[type-only]"))
    );
    assert!(
        !shop
            .nodes
            .iter()
            .any(|n| n.id.as_str() == "pkg:pypi:json" || n.id.as_str() == "pkg:pypi:typing")
    );
    // The handler answers to its Lambda key; an unfixed name gives no edge but says so.
    let handler = shop
        .nodes
        .iter()
        .find(|n| n.id.as_str() == "py:src/shop/orders.py#handler");
    assert!(handler.is_some_and(|n| {
        n.aliases
            .iter()
            .any(|a| a.to_string() == "handler:src/shop/orders.handler")
    }));
    assert!(
        shop.diagnostics
            .iter()
            .any(|d| d.message.contains("sns.publish") && d.line == Some(41))
    );
    // A syntax error costs a warning at its line, not the rest of the file.
    assert!(
        shop.diagnostics
            .iter()
            .any(|d| d.path == "scripts/broken.py" && d.line == Some(5))
    );
}

/// Random byte edits of every fixture file, parsed in a loop with a fixed
/// seed: the parser must never panic.
#[test]
fn mutated_sources_never_panic() {
    let root = fixtures().join("shop");
    let files = python_files(&root);
    let dir = std::env::temp_dir().join(format!("infrawise-py-mutations-{}", std::process::id()));
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..60 {
        let _ = std::fs::remove_dir_all(&dir);
        let mut mutated = Vec::new();
        for file in &files {
            let mut bytes = std::fs::read(file).unwrap_or_default();
            for _ in 0..=(next() % 8) {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                bytes[at] = b"()[]{}:.\\\"'#=\n x\x00\xff"[(next() % 18) as usize];
            }
            let target = dir.join(file.strip_prefix(&root).unwrap_or(file));
            let _ = std::fs::create_dir_all(target.parent().unwrap_or(&dir));
            let _ = std::fs::write(&target, &bytes);
            mutated.push(target);
        }
        let fragment = python::parse(&mutated, &dir);
        assert!(!fragment.sources.is_empty(), "round {round}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn namespace_packages_below_a_declared_source_root() {
    let project = parse("nsproj");
    let names: Vec<(String, String)> = project
        .nodes
        .iter()
        .filter(|n| n.kind == infrawise_core::NodeKind::CodeModule)
        .map(|n| (n.id.to_string(), n.name.clone()))
        .collect();
    for (id, name) in [
        ("py:lib/acme/billing/invoice.py", "acme.billing.invoice"),
        ("py:lib/acme/shipping/rates.py", "acme.shipping.rates"),
    ] {
        assert!(
            names.contains(&(id.to_owned(), name.to_owned())),
            "{id} is {name}: {names:?}"
        );
    }
    let invoice = "py:lib/acme/billing/invoice.py";
    for (kind, to) in [
        ("imports", "py:lib/acme/shipping/rates.py"),
        ("imports", "py:lib/acme/billing/totals.py"),
    ] {
        assert!(
            has_edge(&project, invoice, kind, to),
            "{invoice} {kind} {to}"
        );
    }
    assert!(
        !project
            .nodes
            .iter()
            .any(|n| n.id.as_str() == "pkg:pypi:acme"),
        "the namespace package is scanned code, not a distribution"
    );
}
