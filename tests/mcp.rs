//! `infrawise mcp` end to end, driven by a real MCP client nobody here
//! wrote: the official Rust SDK's (`rmcp`) client spawns the CLI as a child
//! process on stdio, lists the tools and calls every one on the demo.
#![allow(
    clippy::expect_used,
    reason = "a test fails by panicking, with the reason"
)]

mod common;

use common::{binary, demo};

use rmcp::ServiceExt as _;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

async fn connect(args: &[&str]) -> RunningService<RoleClient, ()> {
    let mut command = tokio::process::Command::new(binary());
    command.arg("mcp").args(args);
    let transport = TokioChildProcess::new(command).expect("spawn infrawise mcp");
    ().serve(transport).await.expect("initialize")
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, arguments: Value) -> Value {
    let result = call_raw(client, tool, arguments)
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert_ne!(result.is_error, Some(true), "{tool}: {result:?}");
    let text = result.content[0]
        .as_text()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{tool} answered no json ({e}): {text}"))
}

async fn call_raw(
    client: &RunningService<RoleClient, ()>,
    tool: &str,
    arguments: Value,
) -> Result<CallToolResult, ServiceError> {
    let arguments = arguments.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_client_lists_and_calls_every_tool() {
    let demo = demo();
    let client = connect(&["--dir", demo.to_str().expect("utf-8")]).await;
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .map(|tool| tool.name.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "context",
            "dependencies",
            "diff",
            "drift",
            "impact",
            "path",
            "policies",
            "refresh",
            "search",
            "staleness",
            "summary"
        ]
    );

    let summary = call(&client, "summary", json!({})).await;
    assert!(summary["nodes"].as_u64().is_some_and(|n| n > 10));
    let hits = call(
        &client,
        "search",
        json!({"text": "orders", "kinds": ["queue"]}),
    )
    .await;
    assert!(hits["hits"].as_array().is_some_and(|h| !h.is_empty()));
    let around = call(
        &client,
        "context",
        json!({"node": "name[table]:prod-shop-orders"}),
    )
    .await;
    assert_eq!(around["node"]["id"], "tf:infra:aws_dynamodb_table.orders");
    let reach = call(
        &client,
        "impact",
        json!({"node": "name[table]:prod-shop-orders"}),
    )
    .await;
    assert!(reach["total"].as_u64().is_some_and(|n| n > 0));
    // Every hit keeps its evidence: origin and file:line.
    let first_edge = &reach["items"][0]["path"][0]["evidence"][0];
    assert!(first_edge["origin"].is_string() && first_edge["path"].is_string());
    let deps = call(
        &client,
        "dependencies",
        json!({"node": "tf:infra:aws_lambda_function.worker", "depth": 1}),
    )
    .await;
    assert!(deps["total"].as_u64().is_some_and(|n| n > 0));
    let hop = call(
        &client,
        "path",
        json!({"from": "tf:infra:aws_lambda_function.worker", "to": "name[table]:prod-shop-orders"}),
    )
    .await;
    assert!(hop["path"].as_array().is_some_and(|p| !p.is_empty()));
    let stale = call(&client, "staleness", json!({})).await;
    assert!(
        stale["items"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["code"] == "observed-not-declared"))
    );
    let drifted = call(&client, "drift", json!({})).await;
    assert!(drifted["items"].as_array().is_some_and(|f| !f.is_empty()));

    // Policy results: the shipped pack, and the rule named on each violation.
    let policies = call(&client, "policies", json!({})).await;
    let rules: Vec<&str> = policies["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(
        rules.contains(&"tf_sqs_queue_has_dead_letter_queue"),
        "{policies}"
    );
    let broken =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies/bad");
    let error = call_raw(
        &client,
        "policies",
        json!({"rules": broken.to_str().expect("utf-8")}),
    )
    .await
    .expect_err("a rule file that does not parse is an error");
    assert!(error.to_string().contains("broken.guard:4"), "{error}");

    let saved = std::env::temp_dir().join(format!("infrawise-mcp-{}.json", std::process::id()));
    let graph = infrawise::scan(&demo, &infrawise::ScanOptions::default()).expect("scan");
    std::fs::write(&saved, graph.graph.to_json()).expect("save graph");
    let changes = call(
        &client,
        "diff",
        json!({"saved_graph": saved.to_str().expect("utf-8")}),
    )
    .await;
    assert_eq!(changes["nodes_added"], json!([]));
    let _ = std::fs::remove_file(&saved);
    let refreshed = call(&client, "refresh", json!({})).await;
    assert_eq!(refreshed["nodes"], summary["nodes"]);

    // Resources: the whole graph (the JSON contract) and the findings.
    let mut uris: Vec<String> = client
        .list_all_resources()
        .await
        .expect("resources/list")
        .into_iter()
        .map(|r| r.uri.clone())
        .collect();
    uris.sort();
    assert_eq!(uris, ["infrawise://findings", "infrawise://graph"]);
    for uri in uris {
        let read = client
            .read_resource(rmcp::model::ReadResourceRequestParams::new(uri.clone()))
            .await
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        let rmcp::model::ResourceContents::TextResourceContents { text, .. } = &read.contents[0]
        else {
            panic!("{uri} is not text");
        };
        let value: Value = serde_json::from_str(text).expect("resource is json");
        assert!(
            value.get("schema_version").is_some() || value.get("findings").is_some(),
            "{uri}"
        );
    }

    // A bad node is an MCP error naming close matches, and the server lives on.
    let error = call_raw(&client, "context", json!({"node": "prod-shop-ordrs"}))
        .await
        .expect_err("an unknown node is an error");
    let ServiceError::McpError(error) = error else {
        panic!("not an MCP error: {error}");
    };
    assert!(
        error.message.contains("prod-shop-ordrs"),
        "{}",
        error.message
    );
    let close = error.data.expect("close matches")["close_matches"].clone();
    assert!(close.as_array().is_some_and(|c| !c.is_empty()), "{close}");
    let again = call(&client, "summary", json!({})).await;
    assert_eq!(again["nodes"], summary["nodes"]);
    client.cancel().await.expect("shut down");
}

/// Every MCP answer over the planted-secrets fixture (each tool on every
/// node, both resources) is free of the planted values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_mcp_answer_carries_a_planted_secret() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/secrets");
    let client = connect(&["--dir", fixture.to_str().expect("utf-8")]).await;
    let mut answers: Vec<(String, String)> = Vec::new();
    for uri in ["infrawise://graph", "infrawise://findings"] {
        let read = client
            .read_resource(rmcp::model::ReadResourceRequestParams::new(uri.to_owned()))
            .await
            .unwrap_or_else(|e| panic!("{uri}: {e}"));
        if let rmcp::model::ResourceContents::TextResourceContents { text, .. } = &read.contents[0]
        {
            answers.push((uri.to_owned(), text.clone()));
        }
    }
    let graph: Value = serde_json::from_str(&answers[0].1).expect("graph resource is json");
    let ids: Vec<String> = graph["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.len() > 30, "{} nodes", ids.len());
    for (tool, arguments) in [
        ("summary", json!({})),
        ("staleness", json!({})),
        ("drift", json!({})),
        ("policies", json!({})),
        ("search", json!({"text": "password"})),
        ("search", json!({"text": "secret"})),
    ] {
        answers.push((
            tool.to_owned(),
            call(&client, tool, arguments).await.to_string(),
        ));
    }
    for id in &ids {
        for tool in ["context", "impact", "dependencies"] {
            let answer = call(&client, tool, json!({"node": id})).await;
            answers.push((format!("{tool} {id}"), answer.to_string()));
        }
    }
    for (what, answer) in &answers {
        assert!(
            !answer.contains("PLANTED"),
            "MCP {what} carries a planted secret: {answer}"
        );
    }
    client.cancel().await.expect("shut down");
}
