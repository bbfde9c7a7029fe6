//! The findings only runtime evidence allows, over graphs built from
//! fragments shaped as the parsers make them: a declared Terraform queue,
//! table and function, code that uses them, and runtime observations
//! (metrics' `activity` windows, inventory settings, trace calls).

use infrawise_core::{
    Alias, Edge, EdgeKind, Evidence, Fragment, Node, NodeKind, Origin, Severity, Timestamp,
};
use infrawise_graph::{
    Finding, FindingCode, Graph, GraphBuilder, StalenessOptions, drift, staleness,
};
use serde_json::json;

const SEEN: Option<Timestamp> = Some(Timestamp::from_unix_seconds(1_763_000_000));

fn declared(id: &str, kind: NodeKind, name: &str, line: u32) -> Node {
    Node::new(id, kind, name)
        .with_alias(Alias::name(kind, name))
        .with_scope("terraform:infra")
        .with_evidence(Evidence::declared("terraform", "resource").at("infra/main.tf", Some(line)))
}

fn observed(extractor: &str, kind: NodeKind, name: &str) -> Node {
    Node::new(format!("runtime:{kind}:{name}"), kind, name)
        .with_alias(Alias::name(kind, name))
        .with_evidence(Evidence::observed(extractor, "inventory", SEEN).at("runtime/x.json", None))
}

/// A metrics window of `total` uses, complete or not.
fn activity(name: &str, kind: NodeKind, total: u64, complete: bool) -> Node {
    let mut node = observed("cloudwatch", kind, name);
    node.set_attribute(
        Origin::Observed,
        "activity",
        json!({
            "window_start": "2026-11-01T00:00:00Z",
            "window_end": "2026-11-15T00:00:00Z",
            "complete": complete,
            "total": total,
            "metrics": {"AWS/SQS NumberOfMessagesSent Sum": total, "AWS/SQS NumberOfMessagesReceived Sum": 0}
        }),
    );
    node
}

fn code_uses(symbol: &str, kind: EdgeKind, target: &str) -> (Node, Edge) {
    let node = Node::new(format!("py:{symbol}"), NodeKind::CodeSymbol, symbol)
        .with_evidence(Evidence::declared("python", "def").at("app/jobs.py", Some(3)));
    let edge = Edge::new(
        node.id.clone(),
        Alias::name(NodeKind::Queue, target),
        kind,
        Evidence::inferred("python", "sqs.send_message", 0.9).at("app/jobs.py", Some(7)),
    );
    (node, edge)
}

fn build(nodes: Vec<Node>, edges: Vec<Edge>) -> Graph {
    GraphBuilder::from_iter([Fragment {
        nodes,
        edges,
        ..Fragment::new()
    }])
    .build()
}

fn codes(findings: &[Finding], code: FindingCode) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.message.clone())
        .collect()
}

#[test]
fn a_complete_zero_window_makes_a_used_queue_idle_and_its_code_use_unobserved() {
    let (symbol, uses) = code_uses("app.jobs.enqueue", EdgeKind::Writes, "reports");
    let graph = build(
        vec![
            declared(
                "tf:infra:aws_sqs_queue.reports",
                NodeKind::Queue,
                "reports",
                4,
            ),
            activity("reports", NodeKind::Queue, 0, true),
            symbol,
        ],
        vec![uses],
    );
    let found = staleness(&graph, &StalenessOptions::default());
    assert_eq!(
        codes(&found, FindingCode::Idle),
        [
            "queue tf:infra:aws_sqs_queue.reports is declared and used by code, but had no activity from 2026-11-01T00:00:00Z to 2026-11-15T00:00:00Z (AWS/SQS NumberOfMessagesReceived Sum 0, AWS/SQS NumberOfMessagesSent Sum 0)"
        ]
    );
    assert_eq!(
        codes(&found, FindingCode::InferredNotObserved),
        [
            "py:app.jobs.enqueue writes queue tf:infra:aws_sqs_queue.reports, but nothing used it from 2026-11-01T00:00:00Z to 2026-11-15T00:00:00Z"
        ]
    );
}

#[test]
fn sampled_traces_or_a_partial_window_never_make_anything_idle() {
    let (symbol, uses) = code_uses("app.jobs.enqueue", EdgeKind::Writes, "reports");
    // Traces saw nothing reach the queue; the metrics window is partial.
    let service = observed("otlp", NodeKind::Service, "jobs");
    let graph = build(
        vec![
            declared(
                "tf:infra:aws_sqs_queue.reports",
                NodeKind::Queue,
                "reports",
                4,
            ),
            activity("reports", NodeKind::Queue, 0, false),
            symbol,
            service,
        ],
        vec![uses],
    );
    let found = staleness(&graph, &StalenessOptions::default());
    assert!(codes(&found, FindingCode::Idle).is_empty(), "{found:#?}");
    assert!(codes(&found, FindingCode::InferredNotObserved).is_empty());
    // Activity in a complete window is not idle either.
    let graph = build(
        vec![
            declared(
                "tf:infra:aws_sqs_queue.reports",
                NodeKind::Queue,
                "reports",
                4,
            ),
            activity("reports", NodeKind::Queue, 12, true),
        ],
        vec![],
    );
    assert!(
        codes(
            &staleness(&graph, &StalenessOptions::default()),
            FindingCode::Idle
        )
        .is_empty()
    );
}

#[test]
fn a_call_nothing_explains_is_a_shadow_dependency_and_its_caller_undeclared() {
    let table = declared(
        "tf:infra:aws_dynamodb_table.orders",
        NodeKind::Table,
        "orders",
        9,
    );
    let script = observed("otlp", NodeKind::Service, "tmp-backfill");
    let call = Edge::new(
        script.id.clone(),
        Alias::name(NodeKind::Table, "orders"),
        EdgeKind::Writes,
        Evidence::observed("otlp", "PutItem", SEEN)
            .at("runtime/traces.jsonl", None)
            .with_count(340),
    );
    let graph = build(vec![table, script], vec![call]);
    let found = staleness(&graph, &StalenessOptions::default());
    assert_eq!(
        codes(&found, FindingCode::ShadowDependency),
        [
            "runtime:service:tmp-backfill -[writes]-> tf:infra:aws_dynamodb_table.orders happens at runtime (340 calls seen) but no declaration or code explains it"
        ]
    );
    assert_eq!(
        codes(&found, FindingCode::UndeclaredRuntimeResource),
        ["service runtime:service:tmp-backfill runs (otlp) but no declaration or code names it"]
    );
}

#[test]
fn a_call_declarations_explain_is_no_shadow() {
    let table = declared(
        "tf:infra:aws_dynamodb_table.orders",
        NodeKind::Table,
        "orders",
        9,
    );
    let function = declared(
        "tf:infra:aws_lambda_function.api",
        NodeKind::Function,
        "api",
        20,
    );
    let declared_edge = Edge::new(
        function.id.clone(),
        table.id.clone(),
        EdgeKind::References,
        Evidence::declared("terraform", "environment.variables.TABLE")
            .at("infra/main.tf", Some(24)),
    );
    let call = Edge::new(
        Alias::name(NodeKind::Function, "api"),
        Alias::name(NodeKind::Table, "orders"),
        EdgeKind::Reads,
        Evidence::observed("otlp", "GetItem", SEEN).with_count(9),
    );
    let graph = build(vec![table, function], vec![declared_edge, call]);
    let found = staleness(&graph, &StalenessOptions::default());
    assert!(
        codes(&found, FindingCode::ShadowDependency).is_empty(),
        "{found:#?}"
    );
}

#[test]
fn runtime_settings_that_differ_from_their_declaration_are_config_drift() {
    let mut function = declared(
        "tf:infra:aws_lambda_function.worker",
        NodeKind::Function,
        "worker",
        30,
    );
    function.set_attribute(Origin::Declared, "memory_size", json!(512));
    function.set_attribute(Origin::Declared, "timeout", json!(30));
    let mut live = observed("aws-inventory", NodeKind::Function, "worker");
    live.set_attribute(Origin::Observed, "MemorySize", json!(1024));
    live.set_attribute(Origin::Observed, "Timeout", json!(30));
    live.set_attribute(
        Origin::Observed,
        "EnvironmentVariableNames",
        json!(["LOG_LEVEL"]),
    );
    let env = Edge::new(
        function.id.clone(),
        Alias::name(NodeKind::Queue, "jobs"),
        EdgeKind::References,
        Evidence::declared("terraform", "environment.variables.QUEUE_URL")
            .at("infra/main.tf", Some(35)),
    );
    let mut queue = declared("tf:infra:aws_sqs_queue.jobs", NodeKind::Queue, "jobs", 40);
    queue.set_attribute(Origin::Declared, "visibility_timeout_seconds", json!(60));
    queue.set_attribute(
        Origin::Declared,
        "redrive_policy",
        json!(
            "{\"deadLetterTargetArn\":\"arn:aws:sqs:eu-west-1:1:jobs-dlq\",\"maxReceiveCount\":5}"
        ),
    );
    let mut live_queue = observed("aws-inventory", NodeKind::Queue, "jobs");
    live_queue.set_attribute(Origin::Observed, "VisibilityTimeout", json!(60));
    live_queue.set_attribute(
        Origin::Observed,
        "RedrivePolicy",
        json!({"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:1:jobs-dlq", "maxReceiveCount": 3}),
    );
    let graph = build(vec![function, live, queue, live_queue], vec![env]);
    let found = drift(&graph);
    assert_eq!(
        codes(&found, FindingCode::ConfigDrift),
        [
            "function tf:infra:aws_lambda_function.worker: environment variables QUEUE_URL are declared but not set at runtime",
            "function tf:infra:aws_lambda_function.worker: memory is declared 512 but runs with 1024",
            "queue tf:infra:aws_sqs_queue.jobs: dead-letter maxReceiveCount is declared 5 but runs with 3",
        ]
    );
}

#[test]
fn an_index_code_queries_that_the_live_table_lacks_is_an_error() {
    let mut table = declared(
        "tf:infra:aws_dynamodb_table.orders",
        NodeKind::Table,
        "orders",
        9,
    );
    table.set_attribute(Origin::Declared, "hash_key", json!("pk"));
    let index = Node::new(
        "tf:infra:aws_dynamodb_table.orders/by-customer",
        NodeKind::Index,
        "orders/by-customer",
    )
    .with_alias(Alias::new(
        infrawise_core::AliasKind::Name,
        Some("index"),
        "orders/by-customer",
    ))
    .with_evidence(
        Evidence::declared("terraform", "global_secondary_index").at("infra/main.tf", Some(14)),
    );
    let contains = Edge::new(
        table.id.clone(),
        index.id.clone(),
        EdgeKind::Contains,
        Evidence::declared("terraform", "global_secondary_index").at("infra/main.tf", Some(14)),
    );
    let mut live = observed("aws-inventory", NodeKind::Table, "orders");
    live.set_attribute(
        Origin::Observed,
        "KeySchema",
        json!([{"AttributeName": "pk", "KeyType": "HASH"}]),
    );
    let (symbol, _) = code_uses("app.orders.by_customer", EdgeKind::Reads, "orders");
    let query = Edge::new(
        symbol.id.clone(),
        index.id.clone(),
        EdgeKind::Reads,
        Evidence::inferred("python", "query IndexName=by-customer", 0.9)
            .at("app/orders.py", Some(12)),
    );
    let graph = build(vec![table, index, live, symbol], vec![contains, query]);
    let found: Vec<Finding> = drift(&graph)
        .into_iter()
        .filter(|f| f.code == FindingCode::ConfigDrift)
        .collect();
    let [finding] = found.as_slice() else {
        panic!("{found:#?}");
    };
    assert_eq!(
        finding.message,
        "index tf:infra:aws_dynamodb_table.orders/by-customer is queried by code, but the live table tf:infra:aws_dynamodb_table.orders has no such index"
    );
    assert_eq!(finding.severity, Severity::Error);
}

/// A function running `app/jobs.py#handler` as `role`, code that writes
/// the table, and a complete CloudTrail window in which `caller` writes it.
fn audited(caller: &str) -> Graph {
    let table = declared(
        "tf:infra:aws_dynamodb_table.orders",
        NodeKind::Table,
        "orders",
        9,
    );
    let function = declared(
        "tf:infra:aws_lambda_function.jobs",
        NodeKind::Function,
        "jobs",
        20,
    );
    let role = declared(
        "tf:infra:aws_iam_role.jobs",
        NodeKind::Role,
        "jobs-role",
        30,
    )
    .with_alias(Alias::arn("arn:aws:iam::123456789012:role/jobs-role"));
    let other = declared("tf:infra:aws_iam_role.admin", NodeKind::Role, "admin", 40)
        .with_alias(Alias::arn("arn:aws:iam::123456789012:role/admin"));
    let module = Node::new("py:app/jobs.py", NodeKind::CodeModule, "app/jobs.py")
        .with_evidence(Evidence::inferred("python", "module", 1.0).at("app/jobs.py", None));
    let handler = Node::new("py:app/jobs.py#handler", NodeKind::CodeSymbol, "handler")
        .with_evidence(Evidence::inferred("python", "def", 1.0).at("app/jobs.py", Some(3)));
    let writer = Node::new("py:app/jobs.py#save", NodeKind::CodeSymbol, "save")
        .with_evidence(Evidence::inferred("python", "def", 1.0).at("app/jobs.py", Some(9)));
    let d = |detail: &str| Evidence::declared("terraform", detail).at("infra/main.tf", Some(21));
    let edges = vec![
        Edge::new(
            function.id.clone(),
            handler.id.clone(),
            EdgeKind::ImplementedBy,
            d("handler"),
        ),
        Edge::new(
            function.id.clone(),
            role.id.clone(),
            EdgeKind::References,
            d("role"),
        ),
        Edge::new(
            module.id.clone(),
            handler.id.clone(),
            EdgeKind::Contains,
            Evidence::inferred("python", "defines", 1.0),
        ),
        Edge::new(
            module.id.clone(),
            writer.id.clone(),
            EdgeKind::Contains,
            Evidence::inferred("python", "defines", 1.0),
        ),
        Edge::new(
            writer.id.clone(),
            table.id.clone(),
            EdgeKind::Writes,
            Evidence::inferred("python", "dynamodb.put_item", 0.9).at("app/jobs.py", Some(11)),
        ),
        Edge::new(
            Alias::arn(format!("arn:aws:iam::123456789012:role/{caller}")),
            Alias::name(NodeKind::Table, "orders"),
            EdgeKind::Writes,
            Evidence::observed("cloudtrail", "PutItem", SEEN).with_count(40),
        ),
    ];
    let mut live_table = observed("cloudtrail", NodeKind::Table, "orders");
    live_table.evidence[0].detail = "named in events".into();
    let mut fragment = Fragment {
        nodes: vec![
            table, function, role, other, module, handler, writer, live_table,
        ],
        edges,
        ..Fragment::new()
    };
    let mut source = infrawise_core::Source::new(
        "audit/trail.json",
        infrawise_core::Format::CloudTrail,
        Origin::Observed,
    );
    source.window_start = Some(Timestamp::from_unix_seconds(1_762_214_400));
    source.window_end = Some(Timestamp::from_unix_seconds(1_763_424_000));
    fragment.sources.push(source);
    GraphBuilder::from_iter([fragment]).build()
}

#[test]
fn a_complete_audit_log_without_the_code_s_role_is_inferred_not_observed() {
    let found = staleness(&audited("admin"), &StalenessOptions::default());
    assert_eq!(
        codes(&found, FindingCode::InferredNotObserved),
        [
            "py:app/jobs.py#save writes table tf:infra:aws_dynamodb_table.orders, but the complete audit log from 2025-11-04T00:00:00Z to 2025-11-18T00:00:00Z shows others calling it and no call from the role(s) its code runs as (tf:infra:aws_iam_role.jobs)"
        ]
    );
    let found = staleness(&audited("jobs-role"), &StalenessOptions::default());
    assert!(
        codes(&found, FindingCode::InferredNotObserved).is_empty(),
        "{found:#?}"
    );
}

#[test]
fn unhealthy_replicas_states_and_error_rates() {
    let mut deployment = Node::new("k8s:deployment:shop/api", NodeKind::Service, "api")
        .with_evidence(Evidence::observed("kubernetes", "deployment", SEEN));
    deployment.set_attribute(Origin::Observed, "replicas", json!(3));
    deployment.set_attribute(Origin::Observed, "readyReplicas", json!(1));
    let mut function = observed("aws-inventory", NodeKind::Function, "resize");
    function.set_attribute(Origin::Observed, "State", json!("Failed"));
    let payments = observed("otlp", NodeKind::Service, "payments");
    let calls = Edge::new(
        deployment.id.clone(),
        payments.id.clone(),
        EdgeKind::Calls,
        Evidence::observed("otlp", "POST /charge", SEEN)
            .with_count(200)
            .with_errors(31),
    );
    let graph = build(vec![deployment, function, payments], vec![calls]);
    let found = staleness(&graph, &StalenessOptions::default());
    assert_eq!(
        codes(&found, FindingCode::Unhealthy),
        [
            "service k8s:deployment:shop/api has 1 of 3 replicas ready",
            "k8s:deployment:shop/api -[calls]-> runtime:service:payments: 31 of 200 calls failed",
            "function runtime:function:resize is Failed at runtime",
        ]
    );
    assert_eq!(
        FindingCode::Unhealthy.as_str(),
        "unhealthy",
        "codes are stable names"
    );
}
