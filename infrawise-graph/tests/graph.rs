//! Graph building, exports, queries and findings over the committed
//! fixtures in `tests/fixtures/graph/` (each a JSON array of fragments).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use infrawise_core::{
    Alias, Edge, EdgeKind, Evidence, Fragment, Node, NodeKind, Origin, OriginSet, Timestamp,
};
use infrawise_graph::{
    FindingCode, Graph, GraphBuilder, StalenessOptions, TraversalOptions, dependencies, drift,
    impact, path, report, staleness, to_dot, to_mermaid,
};

fn load_fragments(path: &Path) -> Vec<Fragment> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn build(fragments: Vec<Fragment>) -> Graph {
    GraphBuilder::from_iter(fragments).build()
}

#[test]
fn json_export() {
    insta::glob!("../../tests/fixtures/graph", "*.json", |path| {
        insta::assert_snapshot!(build(load_fragments(path)).to_json());
    });
}

#[test]
fn dot_export() {
    insta::glob!("../../tests/fixtures/graph", "*.json", |path| {
        insta::assert_snapshot!(to_dot(&build(load_fragments(path))));
    });
}

#[test]
fn mermaid_export() {
    insta::glob!("../../tests/fixtures/graph", "*.json", |path| {
        insta::assert_snapshot!(to_mermaid(&build(load_fragments(path))));
    });
}

#[test]
fn findings_of_fixtures() {
    insta::glob!("../../tests/fixtures/graph", "*.json", |path| {
        let graph = build(load_fragments(path));
        let since = Timestamp::parse("2026-01-01T00:00:00Z").ok();
        let stale = staleness(
            &graph,
            &StalenessOptions {
                not_seen_since: since,
            },
        );
        let mut out = String::from("# staleness\n");
        out.push_str(&report::findings_text(&stale));
        out.push_str("# drift\n");
        out.push_str(&report::findings_text(&drift(&graph)));
        insta::assert_snapshot!(out);
    });
}

/// Every permutation of the fragments, and of the nodes and edges inside
/// them, gives byte-identical JSON.
#[test]
fn merge_order_does_not_change_output() {
    let fragments = load_fragments(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/graph/orders.json"
    )));
    let expected = build(fragments.clone()).to_json();
    let n = fragments.len();
    let permutations: Vec<Vec<usize>> = match n {
        3 => vec![
            vec![0, 1, 2],
            vec![0, 2, 1],
            vec![1, 0, 2],
            vec![1, 2, 0],
            vec![2, 0, 1],
            vec![2, 1, 0],
        ],
        _ => panic!("the orders fixture has three fragments"),
    };
    for permutation in permutations {
        let mut reordered: Vec<Fragment> =
            permutation.iter().map(|&i| fragments[i].clone()).collect();
        for fragment in &mut reordered {
            fragment.nodes.reverse();
            fragment.edges.reverse();
            for node in &mut fragment.nodes {
                node.evidence.reverse();
            }
        }
        assert_eq!(
            build(reordered).to_json(),
            expected,
            "order {permutation:?}"
        );
    }
}

/// A fragment of distinct things already in id order (as a finished
/// parser's is) is built without grouping or sorting its nodes; the graph
/// is the one its nodes in any other order give.
#[test]
fn distinct_nodes_in_id_order_build_the_graph_any_order_builds() {
    let evidence = |line| Evidence::declared("terraform", "resource").at("main.tf", Some(line));
    let nodes: Vec<Node> = (0..40u32)
        .map(|i| {
            Node::new(
                format!("tf:.:aws_sqs_queue.q{i:02}"),
                NodeKind::Queue,
                format!("q{i:02}"),
            )
            .with_alias(Alias::name(NodeKind::Queue, format!("queue-{i:02}")))
            .with_evidence(evidence(i + 1))
        })
        .collect();
    let mut edges: Vec<Edge> = (1..40u32)
        .map(|i| {
            Edge::new(
                nodes[i as usize].id.clone(),
                nodes[(i / 2) as usize].id.clone(),
                EdgeKind::DependsOn,
                evidence(i + 1),
            )
        })
        .collect();
    // An end that names nothing here: a placeholder, sorting last.
    edges.push(Edge::new(
        nodes[3].id.clone(),
        infrawise_core::NodeId::new("tf:.:zz_missing"),
        EdgeKind::DependsOn,
        evidence(4),
    ));
    let sorted = Fragment {
        nodes: nodes.clone(),
        edges: edges.clone(),
        ..Fragment::new()
    };
    let graph = build(vec![sorted]);
    assert_eq!(graph.node_count(), 41);
    assert_eq!(graph.edge_count(), 40);
    let expected = graph.to_json();
    let mut shuffled = nodes;
    shuffled.reverse();
    shuffled.swap(3, 17);
    edges.reverse();
    let unsorted = Fragment {
        nodes: shuffled,
        edges,
        ..Fragment::new()
    };
    let other = build(vec![unsorted]);
    assert_eq!(other.to_json(), expected);
    // The lookup tables, which the export does not show, agree too: by
    // id, alias, alias value, `kind:value` and name.
    for graph in [&graph, &other] {
        for (name, id) in [
            ("tf:.:aws_sqs_queue.q07", "tf:.:aws_sqs_queue.q07"),
            ("name[queue]:queue-07", "tf:.:aws_sqs_queue.q07"),
            ("queue-08", "tf:.:aws_sqs_queue.q08"),
            ("name:queue-09", "tf:.:aws_sqs_queue.q09"),
            ("q39", "tf:.:aws_sqs_queue.q39"),
            ("tf:.:zz_missing", "tf:.:zz_missing"),
        ] {
            assert_eq!(
                graph
                    .lookup(name)
                    .map(|found| found.as_str().to_owned())
                    .ok(),
                Some(id.to_owned()),
                "{name}"
            );
        }
        assert!(graph.lookup("queue-40").is_err());
    }
}

/// On a graph of thousands of nodes, with things two contributions name
/// (their aliases hashed for the registry before it is filled), every node
/// is found by each of its keys.
#[test]
fn every_node_of_a_large_graph_is_found_by_each_key() {
    let count = 5000u32;
    let declared: Vec<Node> = (0..count)
        .map(|i| {
            Node::new(
                format!("tf:.:aws_sqs_queue.q{i:05}"),
                NodeKind::Queue,
                format!("q{i:05}"),
            )
            .with_alias(Alias::name(NodeKind::Queue, format!("queue-{i:05}")))
            .with_evidence(Evidence::declared("terraform", "resource").at("main.tf", Some(i + 1)))
        })
        .collect();
    // Every third queue is observed too, under an id of its own.
    let observed: Vec<Node> = (0..count)
        .step_by(3)
        .map(|i| {
            Node::new(
                format!("state:q{i:05}"),
                NodeKind::Queue,
                format!("queue-{i:05}"),
            )
            .with_alias(Alias::name(NodeKind::Queue, format!("queue-{i:05}")))
            .with_evidence(Evidence::observed("tfstate", "instance", None))
        })
        .collect();
    let graph = build(vec![
        Fragment {
            nodes: declared,
            ..Fragment::new()
        },
        Fragment {
            nodes: observed,
            ..Fragment::new()
        },
    ]);
    assert_eq!(graph.node_count(), count as usize);
    for i in 0..count {
        let id = format!("tf:.:aws_sqs_queue.q{i:05}");
        let mut keys = vec![
            id.clone(),
            format!("name[queue]:queue-{i:05}"),
            format!("queue-{i:05}"),
            format!("name:queue-{i:05}"),
            format!("q{i:05}"),
        ];
        if i % 3 == 0 {
            keys.push(format!("state:q{i:05}"));
        }
        for key in keys {
            assert_eq!(
                graph
                    .lookup(&key)
                    .map(|found| found.as_str().to_owned())
                    .ok(),
                Some(id.clone()),
                "{key}"
            );
        }
    }
    assert!(graph.lookup("state:q00001").is_err());
}

/// Terraform, state and code each name one queue differently; the graph
/// has one node with all three aliases and all evidence.
#[test]
fn three_sources_naming_one_queue_are_one_node() {
    let name = Alias::name(NodeKind::Queue, "orders-queue");
    let arn = Alias::arn("arn:aws:sqs:eu-west-1:123456789012:orders-queue");
    let url = Alias::url("https://sqs.eu-west-1.amazonaws.com/123456789012/orders-queue");
    let declared = Node::new("tf:infra:aws_sqs_queue.orders", NodeKind::Queue, "orders")
        .with_alias(Alias::address(Some("infra"), "aws_sqs_queue.orders"))
        .with_alias(name.clone())
        .with_evidence(Evidence::declared("terraform", "resource").at("infra/main.tf", Some(1)));
    // The state knows the queue by name and ARN under another id.
    let observed = Node::new(
        "inventory:sqs/orders-queue",
        NodeKind::Queue,
        "orders-queue",
    )
    .with_alias(name.clone())
    .with_alias(arn.clone())
    .with_evidence(Evidence::observed(
        "inventory",
        "list-queues",
        Timestamp::parse("2026-11-01").ok(),
    ));
    // Code knows it by URL only, and the URL reaches the ARN through a third record.
    let inferred = Node::new("py:queue-url", NodeKind::Queue, "orders-queue")
        .with_alias(url.clone())
        .with_alias(arn.clone())
        .with_evidence(
            Evidence::inferred("python", "QueueUrl literal", 0.9).at("app/worker.py", Some(3)),
        );
    let graph = build(vec![
        Fragment {
            nodes: vec![observed],
            ..Fragment::new()
        },
        Fragment {
            nodes: vec![inferred],
            ..Fragment::new()
        },
        Fragment {
            nodes: vec![declared],
            ..Fragment::new()
        },
    ]);
    assert_eq!(graph.node_count(), 1);
    let node = &graph.nodes().next().expect("one node").node;
    let aliases: BTreeSet<String> = node.aliases.iter().map(ToString::to_string).collect();
    for alias in [&name, &arn, &url] {
        assert!(aliases.contains(&alias.to_string()), "missing {alias}");
    }
    assert_eq!(node.aliases.len(), 4, "address, name, arn, url");
    assert_eq!(
        node.origins(),
        vec![Origin::Declared, Origin::Inferred, Origin::Observed]
    );
    assert_eq!(node.evidence.len(), 3);
    assert_eq!(
        node.id.as_str(),
        "tf:infra:aws_sqs_queue.orders",
        "the declared node names the merged node"
    );
    for lookup in [
        "inventory:sqs/orders-queue",
        "py:queue-url",
        "orders-queue",
        "name[queue]:orders-queue",
        "arn:aws:sqs:eu-west-1:123456789012:orders-queue",
        "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-queue",
        "aws_sqs_queue.orders",
    ] {
        assert_eq!(
            graph
                .lookup(lookup)
                .map(infrawise_core::NodeId::as_str)
                .ok(),
            Some(node.id.as_str()),
            "lookup {lookup}"
        );
    }
}

#[test]
fn a_queue_and_a_table_with_one_name_stay_apart_and_lookup_lists_both() {
    let queue = Node::new("q", NodeKind::Queue, "orders")
        .with_alias(Alias::name(NodeKind::Queue, "orders"));
    let table = Node::new("t", NodeKind::Table, "orders")
        .with_alias(Alias::name(NodeKind::Table, "orders"));
    let graph = build(vec![Fragment {
        nodes: vec![queue, table],
        ..Fragment::new()
    }]);
    assert_eq!(graph.node_count(), 2);
    let error = graph.lookup("orders").expect_err("ambiguous").to_string();
    assert_eq!(error, "\"orders\" names 2 nodes: q, t");
    assert_eq!(
        graph
            .lookup("name[table]:orders")
            .map(infrawise_core::NodeId::as_str)
            .ok(),
        Some("t")
    );
    assert!(graph.lookup("nothing-here").is_err());
}

#[test]
fn parallel_edges_of_one_kind_merge_with_all_evidence() {
    let nodes = vec![
        Node::new("a", NodeKind::Function, "a"),
        Node::new("b", NodeKind::Queue, "b"),
    ];
    let edge = |evidence| {
        Edge::new(
            infrawise_core::NodeId::new("a"),
            infrawise_core::NodeId::new("b"),
            EdgeKind::Writes,
            evidence,
        )
    };
    let graph = build(vec![
        Fragment {
            nodes,
            edges: vec![
                edge(Evidence::declared("terraform", "env").at("main.tf", Some(3))),
                edge(Evidence::inferred("python", "send", 0.7).at("app.py", Some(9))),
                edge(Evidence::declared("terraform", "env").at("main.tf", Some(3))),
            ],
            ..Fragment::new()
        },
        Fragment {
            edges: vec![
                edge(Evidence::observed("otel", "span", None).with_count(12)),
                Edge::new(
                    infrawise_core::NodeId::new("a"),
                    infrawise_core::NodeId::new("b"),
                    EdgeKind::Reads,
                    Evidence::declared("x", "y"),
                ),
            ],
            ..Fragment::new()
        },
    ]);
    let edges: Vec<_> = graph.edges().collect();
    assert_eq!(edges.len(), 2, "writes and reads stay two edges");
    let writes = edges
        .iter()
        .find(|e| e.edge.kind == EdgeKind::Writes)
        .expect("writes edge");
    assert_eq!(
        writes.evidence.len(),
        3,
        "duplicate evidence collapses, distinct evidence stays"
    );
    assert_eq!(writes.edge.origins(), OriginSet::ALL);
}

fn orders_graph() -> Graph {
    build(load_fragments(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/graph/orders.json"
    ))))
}

fn reach_lines(reach: &infrawise_graph::Reach) -> Vec<String> {
    reach
        .affected
        .iter()
        .map(|hit| format!("{} {}", hit.depth, hit.id))
        .collect()
}

/// One `check` helper for traversal queries: runs impact or dependencies
/// with the options and compares `depth id` lines.
#[track_caller]
fn check_reach(query: &str, node: &str, options: &TraversalOptions, expect: &[&str]) {
    let graph = orders_graph();
    let reach = match query {
        "impact" => impact(&graph, node, options),
        "deps" => dependencies(&graph, node, options),
        _ => panic!("unknown query {query}"),
    }
    .unwrap_or_else(|e| panic!("{query} {node}: {e}"));
    assert_eq!(reach_lines(&reach), expect, "{query} {node} {options:?}");
    // Every hit's path must lead from the hit to the root (impact) or from
    // the root to the hit (deps), edge by edge.
    for (position, hit) in reach.affected.iter().enumerate() {
        let path = reach.path(position);
        assert_eq!(path.len(), hit.depth);
        let ends: Vec<_> = path
            .iter()
            .map(|&e| graph.edge(e).unwrap_or_else(|| panic!("no edge {e:?}")))
            .collect();
        let (first, last) = (ends[0], ends[ends.len() - 1]);
        if query == "impact" {
            assert_eq!(first.from, hit.id);
            assert_eq!(last.to, reach.root);
            assert_eq!(
                path[0], hit.via,
                "a hit is reached by the first edge of its path"
            );
        } else {
            assert_eq!(first.from, reach.root);
            assert_eq!(last.to, hit.id);
            assert_eq!(path[path.len() - 1], hit.via);
        }
        for pair in ends.windows(2) {
            assert_eq!(pair[0].to, pair[1].from, "path is connected");
        }
    }
}

#[test]
fn impact_and_dependencies_with_filters() {
    let all = TraversalOptions::default();
    check_reach(
        "impact",
        "orders-queue",
        &all,
        &[
            "1 py:app.worker",
            "1 tf:infra:aws_iam_role.worker",
            "1 tf:infra:aws_lambda_function.worker",
        ],
    );
    check_reach(
        "impact",
        "tf:infra:var.env",
        &all,
        &[
            "1 tf:infra:aws_sqs_queue.orders",
            "2 py:app.worker",
            "2 tf:infra:aws_iam_role.worker",
            "2 tf:infra:aws_lambda_function.worker",
        ],
    );
    let depth_one = TraversalOptions {
        max_depth: Some(1),
        ..TraversalOptions::default()
    };
    check_reach(
        "impact",
        "tf:infra:var.env",
        &depth_one,
        &["1 tf:infra:aws_sqs_queue.orders"],
    );
    let declared_only = TraversalOptions {
        origins: OriginSet::only(Origin::Declared),
        ..TraversalOptions::default()
    };
    check_reach(
        "impact",
        "orders-queue",
        &declared_only,
        &[
            "1 tf:infra:aws_iam_role.worker",
            "1 tf:infra:aws_lambda_function.worker",
        ],
    );
    let confident = TraversalOptions {
        min_confidence: 0.85,
        ..TraversalOptions::default()
    };
    check_reach(
        "deps",
        "py:app.worker",
        &confident,
        &["1 tf:infra:aws_sqs_queue.orders", "2 tf:infra:var.env"],
    );
    let very_confident = TraversalOptions {
        min_confidence: 0.95,
        ..TraversalOptions::default()
    };
    check_reach("deps", "py:app.worker", &very_confident, &[]);
    let grants = TraversalOptions {
        edge_kinds: Some([EdgeKind::Grants].into()),
        ..TraversalOptions::default()
    };
    check_reach(
        "impact",
        "orders-queue",
        &grants,
        &["1 tf:infra:aws_iam_role.worker"],
    );
    check_reach(
        "deps",
        "orders-worker",
        &all,
        &[
            "1 py:app.worker",
            "1 tf:infra:aws_dynamodb_table.audit",
            "1 tf:infra:aws_iam_role.worker",
            "1 tf:infra:aws_sqs_queue.legacy",
            "1 tf:infra:aws_sqs_queue.orders",
            "2 tf:infra:var.env",
            "2 unresolved:name[table]:orders-archive",
        ],
    );
}

#[test]
fn path_explains_a_connection_hop_by_hop() {
    let graph = orders_graph();
    let options = TraversalOptions::default();
    let describe = |from: &str, to: &str, options: &TraversalOptions| {
        let result = path(&graph, from, to, options).unwrap_or_else(|e| panic!("{e}"));
        let mut text = String::new();
        if let Some(result) = &result {
            let _ = write!(text, "{:?}:", result.direction);
            for &edge in &result.path {
                let edge = graph.edge(edge).expect("edge");
                let _ = write!(text, " {}-[{}]->{}", edge.from, edge.edge.kind, edge.to);
            }
        }
        text
    };
    assert_eq!(
        describe("orders-worker", "tf:infra:var.env", &options),
        "Forward: tf:infra:aws_lambda_function.worker-[references]->tf:infra:aws_sqs_queue.orders tf:infra:aws_sqs_queue.orders-[references]->tf:infra:var.env"
    );
    assert_eq!(
        describe("tf:infra:var.env", "py:app.worker", &options),
        "Reverse: tf:infra:aws_sqs_queue.orders-[references]->tf:infra:var.env py:app.worker-[writes]->tf:infra:aws_sqs_queue.orders"
    );
    assert_eq!(
        describe("legacy-orders", "tf:infra:aws_iam_role.worker", &options),
        "Undirected: tf:infra:aws_lambda_function.worker-[references]->tf:infra:aws_sqs_queue.legacy tf:infra:aws_lambda_function.worker-[references]->tf:infra:aws_iam_role.worker"
    );
    let observed_only = TraversalOptions {
        origins: OriginSet::only(Origin::Observed),
        ..TraversalOptions::default()
    };
    assert_eq!(
        describe("py:app.worker", "tf:infra:var.env", &observed_only),
        ""
    );
}

#[test]
fn finding_codes_are_the_ones_expected() {
    let graph = orders_graph();
    let codes = |findings: Vec<infrawise_graph::Finding>| -> Vec<(FindingCode, Vec<String>)> {
        findings
            .into_iter()
            .map(|f| (f.code, f.nodes.iter().map(ToString::to_string).collect()))
            .collect()
    };
    let stale = codes(staleness(&graph, &StalenessOptions::default()));
    assert_eq!(
        stale,
        vec![
            (
                FindingCode::DeclaredNotObserved,
                vec!["tf:infra:aws_dynamodb_table.audit".to_owned()]
            ),
            (
                FindingCode::ObservedNotDeclared,
                vec!["tf:infra:aws_sqs_queue.legacy".to_owned()]
            ),
            (
                FindingCode::DanglingReference,
                vec![
                    "unresolved:name[table]:orders-archive".to_owned(),
                    "py:app.worker".to_owned()
                ]
            ),
            (
                FindingCode::DeclaredEdgeNotObserved,
                vec![
                    "tf:infra:aws_lambda_function.worker".to_owned(),
                    "tf:infra:aws_iam_role.worker".to_owned()
                ]
            ),
        ]
    );
    let drifted = codes(drift(&graph));
    assert!(drifted.contains(&(
        FindingCode::AttributeDrift,
        vec!["tf:infra:aws_sqs_queue.orders".to_owned()]
    )));
}

/// A partial observation proves nothing absent.
#[test]
fn partial_observations_never_prove_absence() {
    let mut fragments = load_fragments(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/graph/orders.json"
    )));
    for fragment in &mut fragments {
        for source in &mut fragment.sources {
            if source.origin == Origin::Observed {
                source.status = infrawise_core::SourceStatus::Partial;
            }
        }
    }
    let graph = build(fragments);
    let findings = staleness(&graph, &StalenessOptions::default());
    assert!(
        findings
            .iter()
            .all(|f| f.code != FindingCode::DeclaredNotObserved),
        "{findings:?}"
    );
}

#[test]
fn saved_json_loads_back_to_the_same_graph() {
    let graph = orders_graph();
    let json = graph.to_json();
    let loaded = Graph::from_json(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.to_json(), json);
    assert_eq!(
        staleness(&loaded, &StalenessOptions::default()),
        staleness(&graph, &StalenessOptions::default())
    );
    let bad_version = json.replacen("\"schema_version\": 1", "\"schema_version\": 99", 1);
    assert!(Graph::from_json(&bad_version).is_err());
    assert!(Graph::from_json("{").is_err());
}

#[test]
fn synthetic_graph_has_the_requested_size() {
    let options = infrawise_graph::synthetic::SyntheticOptions::with_edges(10_000);
    let graph = build(infrawise_graph::synthetic::generate(&options));
    assert_eq!(
        graph.node_count(),
        2_000,
        "observed nodes merge into declared ones by alias"
    );
    assert!(
        graph.edge_count() <= 10_000 && graph.edge_count() > 9_000,
        "{}",
        graph.edge_count()
    );
    let reach = impact(&graph, "syn:n0000000", &TraversalOptions::default()).expect("root exists");
    assert!(
        reach.affected.len() > 1_000,
        "the oldest node is shared infrastructure"
    );
}
