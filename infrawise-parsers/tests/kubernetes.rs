//! `kubectl get … -o json` output: workloads, services, ingresses, config
//! maps and secrets as observed nodes and edges, with replica counts,
//! paging, and values that never reach the output.

use std::path::Path;

use infrawise_core::{EdgeKind, Fragment, NodeRef, SourceStatus};
use infrawise_parsers::kubernetes;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/kubernetes");

fn parse(name: &str) -> Fragment {
    let path = Path::new(FIXTURES).join(name);
    kubernetes::parse(&[path], Path::new(FIXTURES))
}

#[test]
fn fixtures() {
    insta::glob!("../../tests/fixtures/kubernetes", "*.json", |path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        assert!(kubernetes::detect(&text), "{}", path.display());
        let root = path.parent().unwrap_or(Path::new("."));
        insta::assert_snapshot!(kubernetes::parse(&[path.to_path_buf()], root).render());
    });
}

#[test]
fn values_and_secret_data_never_reach_the_output() {
    let mut all = String::new();
    for name in ["shop.json", "secrets.json", "page.json"] {
        let fragment = parse(name);
        all.push_str(&fragment.render());
        all.push_str(&serde_json::to_string(&fragment).unwrap_or_default());
    }
    for leak in [
        "s3cr3t-db-pass",
        "orders:",
        "b3JkZXJzLWFwaS10b2tlbi1MRUFLRUQ=",
        "c2tfbGl2ZV9MRUFLRUQ=",
        "plain-LEAKED-text",
        "fast-checkout",
        "\"info\"",
        "/v1/charge",
    ] {
        assert!(!all.contains(leak), "{leak} leaked");
    }
}

#[test]
fn services_route_to_the_workloads_they_select_and_env_values_become_edges() {
    let fragment = parse("shop.json");
    let edges: Vec<String> = fragment
        .edges
        .iter()
        .map(|e| {
            let end = |r: &NodeRef| match r {
                NodeRef::Id(id) => id.to_string(),
                NodeRef::Alias(alias) => format!("<{alias}>"),
            };
            format!("{} -[{}]-> {}", end(&e.from), e.kind, end(&e.to))
        })
        .collect();
    for expected in [
        "k8s:service:shop/orders-api -[routes_to]-> k8s:deployment:shop/orders-api",
        "k8s:service:shop/payments -[routes_to]-> k8s:deployment:shop/payments",
        "k8s:ingress:shop/shop -[routes_to]-> k8s:service:shop/orders-api",
        "k8s:deployment:shop/orders-api -[calls]-> k8s:service:shop/payments",
        "k8s:deployment:shop/orders-api -[calls]-> <name[endpoint]:postgres://db.internal:5432>",
        "k8s:deployment:shop/orders-api -[references]-> <arn:aws:sqs:eu-west-1:123456789012:orders-queue>",
        "k8s:deployment:shop/orders-api -[reads]-> k8s:secret:shop/orders-secrets",
        "k8s:deployment:shop/orders-api -[configured_by]-> k8s:configmap:shop/orders-config",
        "k8s:configmap:shop/orders-config -[calls]-> k8s:service:shop/reports",
        "k8s:configmap:shop/orders-config -[references]-> <arn:aws:sns:eu-west-1:123456789012:order-audit>",
    ] {
        assert!(
            edges.iter().any(|e| e == expected),
            "{expected}: {edges:#?}"
        );
    }
    assert!(
        !fragment.edges.iter().any(|e| e.kind == EdgeKind::Calls
            && matches!(&e.to, NodeRef::Alias(a) if a.value.contains("info"))),
        "a plain value is no edge"
    );
}

#[test]
fn a_page_of_a_longer_list_is_partial_and_bad_input_a_diagnostic() {
    let page = parse("page.json");
    assert_eq!(page.sources[0].status, SourceStatus::Partial);
    for (text, expected) in [
        (
            "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [",
            "not valid JSON at line 1",
        ),
        ("[]", "not a Kubernetes list or object"),
        (
            "{\"apiVersion\": \"v1\"}",
            "not a Kubernetes list or object",
        ),
    ] {
        let fragment = kubernetes::parse_text(text, "bad.json");
        assert_eq!(fragment.sources[0].status, SourceStatus::Failed, "{text}");
        let messages: Vec<String> = fragment
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{text}: {messages:?}"
        );
    }
    // Odd shapes give what they can, never a panic.
    let odd = kubernetes::parse_text(
        "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"kind\": \"Deployment\"}, {\"kind\": \"Service\", \"metadata\": {\"name\": 7}}, 3, {\"kind\": \"Deployment\", \"metadata\": {\"name\": \"x\"}, \"spec\": {\"replicas\": \"two\", \"template\": {\"spec\": {\"containers\": [{\"env\": [{\"name\": 1}, {\"value\": 2}]}]}}}}]}",
        "odd.json",
    );
    assert_eq!(odd.nodes.len(), 1, "{}", odd.render());
}
