//! `infrawise mcp`: the graph as a Model Context Protocol server on stdio,
//! for AI assistants. Every tool is a thin layer over the library's
//! queries; answers are JSON with the evidence kept (origin, file:line,
//! confidence, seen times), and long lists are paged with a cursor.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use infrawise::core::NodeKind;
use infrawise::graph::{
    ContextOptions, DiffOptions, Finding, Graph, SearchOptions, StalenessOptions, TraversalOptions,
    context, dependencies, diff, drift, impact, path, report, search, staleness,
};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{
    ErrorData as McpError, ServerHandler, ServiceExt as _, schemars, tool, tool_handler,
    tool_router,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// Where the graph comes from: a directory scanned at start and on
/// `refresh`, or a saved graph.
#[derive(Clone, Debug)]
pub(crate) enum GraphSource {
    /// A directory to scan.
    Dir(PathBuf),
    /// A graph saved with `scan --format json`.
    File(PathBuf),
}

/// The graph and its findings, replaced whole on `refresh`.
struct Loaded {
    graph: Graph,
    findings: Vec<Finding>,
}

fn load(source: &GraphSource) -> Result<Loaded, String> {
    let graph = match source {
        GraphSource::Dir(dir) => {
            infrawise::scan(dir, &infrawise::ScanOptions::default())
                .map_err(|e| e.to_string())?
                .graph
        }
        GraphSource::File(file) => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            Graph::from_json(&text).map_err(|e| format!("{}: {e}", file.display()))?
        }
    };
    let mut findings = staleness(&graph, &StalenessOptions::default());
    findings.extend(drift(&graph));
    Ok(Loaded { graph, findings })
}

/// The MCP server.
#[derive(Clone)]
pub(crate) struct InfrawiseServer {
    source: GraphSource,
    loaded: Arc<Mutex<Loaded>>,
}

const DEFAULT_PAGE: usize = 50;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct ReachRequest {
    /// Any node id or alias.
    pub(crate) node: String,
    /// Follow at most this many hops.
    pub(crate) depth: Option<usize>,
    /// Count inferred evidence only at or above this confidence (0 to 1).
    pub(crate) min_confidence: Option<f64>,
    /// Where to continue a long answer (the `next_cursor` of the last page).
    pub(crate) cursor: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct SearchRequest {
    /// Part of a name, id or alias.
    pub(crate) text: String,
    /// Only nodes of these kinds (queue, table, function, …).
    pub(crate) kinds: Option<Vec<String>>,
    /// At most this many hits (default 20).
    pub(crate) limit: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct ContextRequest {
    /// Any node id or alias.
    pub(crate) node: String,
    /// How many hops out (default 1).
    pub(crate) radius: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct PathRequest {
    /// One end: any node id or alias.
    pub(crate) from: String,
    /// The other end.
    pub(crate) to: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct PageRequest {
    /// Where to continue a long answer (the `next_cursor` of the last page).
    pub(crate) cursor: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct PolicyRequest {
    /// A directory of cfn-guard rule files (`*.guard`); the shipped rule
    /// pack when absent.
    pub(crate) rules: Option<String>,
    /// Where to continue a long answer (the `next_cursor` of the last page).
    pub(crate) cursor: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub(crate) struct DiffRequest {
    /// A graph saved with `scan --format json` to compare the current graph against.
    pub(crate) saved_graph: String,
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "every tool answers `Result`; this is the success path they all end in"
)]
fn json_result(value: &Value) -> Result<CallToolResult, McpError> {
    Ok(CallToolResult::success(vec![ContentBlock::text(
        serde_json::to_string_pretty(value).unwrap_or_default(),
    )]))
}

/// One page of `items` at `cursor` (an offset), with the cursor of the next.
fn page(items: Vec<Value>, cursor: Option<&str>) -> Result<Value, McpError> {
    let start: usize = match cursor {
        None => 0,
        Some(text) => text
            .parse()
            .map_err(|_| McpError::invalid_params(format!("bad cursor {text:?}"), None))?,
    };
    let total = items.len();
    let end = (start + DEFAULT_PAGE).min(total);
    let next = (end < total).then(|| end.to_string());
    Ok(json!({
        "total": total,
        "items": items.into_iter().skip(start).take(DEFAULT_PAGE).collect::<Vec<_>>(),
        "next_cursor": next,
    }))
}

#[tool_router]
impl InfrawiseServer {
    /// A server over `source`, loaded now.
    pub(crate) fn new(source: GraphSource) -> Result<Self, String> {
        let loaded = load(&source)?;
        Ok(InfrawiseServer {
            source,
            loaded: Arc::new(Mutex::new(loaded)),
        })
    }

    fn with_graph<T>(&self, f: impl FnOnce(&Loaded) -> Result<T, McpError>) -> Result<T, McpError> {
        let loaded = self
            .loaded
            .lock()
            .map_err(|_| McpError::internal_error("the graph is unavailable", None))?;
        f(&loaded)
    }

    /// A lookup error that lists close matches, so the assistant can retry.
    fn not_found(graph: &Graph, name: &str, error: &infrawise::graph::Error) -> McpError {
        // The longest beginning of the name that matches something: a typo
        // late in a name still finds its neighbours.
        let options = SearchOptions {
            limit: 5,
            ..SearchOptions::default()
        };
        let mut close: Vec<&str> = Vec::new();
        let ends: Vec<usize> = name
            .char_indices()
            .map(|(i, _)| i)
            .chain([name.len()])
            .collect();
        for &end in ends
            .iter()
            .rev()
            .take_while(|&&end| end * 2 >= name.len() && end > 0)
        {
            let hits = search(graph, &name[..end], &options);
            if !hits.is_empty() {
                close = hits.iter().map(|h| h.id.as_str()).collect();
                break;
            }
        }
        McpError::invalid_params(format!("{error}"), Some(json!({"close_matches": close})))
    }

    #[tool(
        description = "Counts of nodes by kind and origin, sources read, diagnostics and findings: call first to see what the graph holds."
    )]
    fn summary(&self) -> Result<CallToolResult, McpError> {
        self.with_graph(|loaded| {
            let graph = &loaded.graph;
            let mut kinds = std::collections::BTreeMap::<String, usize>::new();
            let mut origins = std::collections::BTreeMap::<String, usize>::new();
            for node in graph.nodes() {
                *kinds.entry(node.node.kind.to_string()).or_default() += 1;
                for origin in node.node.origins() {
                    *origins.entry(origin.to_string()).or_default() += 1;
                }
            }
            let mut codes = std::collections::BTreeMap::<String, usize>::new();
            for finding in &loaded.findings {
                *codes.entry(finding.code.to_string()).or_default() += 1;
            }
            json_result(&json!({
                "nodes": graph.node_count(),
                "edges": graph.edge_count(),
                "nodes_by_kind": kinds,
                "nodes_by_origin": origins,
                "sources": graph.sources(),
                "diagnostics": graph.diagnostics().len(),
                "findings_by_code": codes,
            }))
        })
    }

    #[tool(description = "Nodes whose id, name or an alias contains the text, best matches first.")]
    fn search(
        &self,
        Parameters(request): Parameters<SearchRequest>,
    ) -> Result<CallToolResult, McpError> {
        self.with_graph(|loaded| {
            let kinds = match &request.kinds {
                None => None,
                Some(kinds) => Some(
                    kinds
                        .iter()
                        .map(|k| {
                            k.parse::<NodeKind>().map_err(|_| {
                                McpError::invalid_params(format!("unknown node kind {k:?}"), None)
                            })
                        })
                        .collect::<Result<_, _>>()?,
                ),
            };
            let options = SearchOptions {
                kinds,
                limit: request.limit.unwrap_or(20).min(200),
                ..SearchOptions::default()
            };
            let hits = search(&loaded.graph, &request.text, &options);
            json_result(&report::search_json(&request.text, &hits))
        })
    }

    #[tool(
        description = "A node with its attributes per origin, its evidence, its neighbours to a radius with the edges between them, and every finding about them: call before touching something."
    )]
    fn context(
        &self,
        Parameters(request): Parameters<ContextRequest>,
    ) -> Result<CallToolResult, McpError> {
        self.with_graph(|loaded| {
            let options = ContextOptions {
                radius: request.radius.unwrap_or(1).min(4),
                ..ContextOptions::default()
            };
            let around = context(&loaded.graph, &request.node, &options, &loaded.findings)
                .map_err(|e| Self::not_found(&loaded.graph, &request.node, &e))?;
            json_result(&report::context_json(&loaded.graph, &around))
        })
    }

    #[tool(
        description = "What depends on a node, transitively (what breaks if it changes), each hit with the path of edges and evidence that explains it. Paged."
    )]
    fn impact(
        &self,
        Parameters(request): Parameters<ReachRequest>,
    ) -> Result<CallToolResult, McpError> {
        self.reach(&request, true)
    }

    #[tool(
        description = "What a node depends on, transitively, each hit with its explaining path. Paged."
    )]
    fn dependencies(
        &self,
        Parameters(request): Parameters<ReachRequest>,
    ) -> Result<CallToolResult, McpError> {
        self.reach(&request, false)
    }

    fn reach(&self, request: &ReachRequest, towards: bool) -> Result<CallToolResult, McpError> {
        self.with_graph(|loaded| {
            let options = TraversalOptions {
                max_depth: request.depth,
                min_confidence: request.min_confidence.unwrap_or(0.0),
                ..TraversalOptions::default()
            };
            let graph = &loaded.graph;
            let reach = if towards {
                impact(graph, &request.node, &options)
            } else {
                dependencies(graph, &request.node, &options)
            }
            .map_err(|e| Self::not_found(graph, &request.node, &e))?;
            let whole = report::reach_json(graph, &reach);
            let items = whole["affected"].as_array().cloned().unwrap_or_default();
            let mut answer = page(items, request.cursor.as_deref())?;
            answer["root"] = whole["root"].clone();
            json_result(&answer)
        })
    }

    #[tool(
        description = "The shortest explanation of how two nodes are connected, with evidence per hop."
    )]
    fn path(
        &self,
        Parameters(request): Parameters<PathRequest>,
    ) -> Result<CallToolResult, McpError> {
        self.with_graph(|loaded| {
            let graph = &loaded.graph;
            let found = path(
                graph,
                &request.from,
                &request.to,
                &TraversalOptions::default(),
            )
            .map_err(|e| {
                let name = if graph.lookup(&request.from).is_err() {
                    &request.from
                } else {
                    &request.to
                };
                Self::not_found(graph, name, &e)
            })?;
            json_result(&report::path_json(graph, found.as_ref()))
        })
    }

    #[tool(
        description = "Stale facts: declared but not observed, observed but not declared, dangling references, edges never observed or never declared. Paged."
    )]
    fn staleness(
        &self,
        Parameters(request): Parameters<PageRequest>,
    ) -> Result<CallToolResult, McpError> {
        self.with_graph(|loaded| {
            let findings = staleness(&loaded.graph, &StalenessOptions::default());
            let items = findings
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .collect();
            json_result(&page(items, request.cursor.as_deref())?)
        })
    }

    #[tool(description = "Attribute values where what is declared and what runs disagree. Paged.")]
    fn drift(
        &self,
        Parameters(request): Parameters<PageRequest>,
    ) -> Result<CallToolResult, McpError> {
        self.with_graph(|loaded| {
            let findings = drift(&loaded.graph);
            let items = findings
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .collect();
            json_result(&page(items, request.cursor.as_deref())?)
        })
    }

    #[tool(
        description = "Policy results: cfn-guard rules (the shipped pack, or the *.guard files of a directory) evaluated over every resource's declared and, separately, observed attributes. Each violation names the rule, the resource, the origin and the evidence. Paged."
    )]
    fn policies(
        &self,
        Parameters(request): Parameters<PolicyRequest>,
    ) -> Result<CallToolResult, McpError> {
        let rules = match &request.rules {
            None => infrawise::policy::builtin_rules(),
            Some(dir) => infrawise::policy::load_rules(std::path::Path::new(dir)).map_err(|e| {
                McpError::invalid_params(format!("cannot read rules from {dir}: {e}"), None)
            })?,
        };
        self.with_graph(|loaded| {
            let report = infrawise::policy::evaluate(&loaded.graph, &rules);
            if !report.diagnostics.is_empty() {
                let problems: Vec<String> =
                    report.diagnostics.iter().map(ToString::to_string).collect();
                return Err(McpError::invalid_params(problems.join("\n"), None));
            }
            let items = report
                .findings
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .collect();
            json_result(&page(items, request.cursor.as_deref())?)
        })
    }

    #[tool(
        description = "What changed from a saved graph (scan --format json) to the current one: nodes and edges added, removed and changed, and what each change reaches."
    )]
    fn diff(
        &self,
        Parameters(request): Parameters<DiffRequest>,
    ) -> Result<CallToolResult, McpError> {
        let text = std::fs::read_to_string(&request.saved_graph).map_err(|e| {
            McpError::invalid_params(format!("cannot read {}: {e}", request.saved_graph), None)
        })?;
        let old = Graph::from_json(&text)
            .map_err(|e| McpError::invalid_params(format!("{}: {e}", request.saved_graph), None))?;
        self.with_graph(|loaded| {
            let changes = diff(&old, &loaded.graph, &DiffOptions::default());
            let reached = infrawise::graph::diff::findings_reached(
                &changes,
                &loaded.findings,
                infrawise::core::Severity::Info,
            );
            json_result(&report::diff_json(&changes, &reached))
        })
    }

    #[tool(
        description = "Scan the directory again (or reload the saved graph) and answer from the new graph."
    )]
    fn refresh(&self) -> Result<CallToolResult, McpError> {
        let fresh = load(&self.source).map_err(|e| McpError::internal_error(e, None))?;
        let counts = json!({"nodes": fresh.graph.node_count(), "edges": fresh.graph.edge_count(), "findings": fresh.findings.len()});
        let mut loaded = self
            .loaded
            .lock()
            .map_err(|_| McpError::internal_error("the graph is unavailable", None))?;
        *loaded = fresh;
        json_result(&counts)
    }
}

const INSTRUCTIONS: &str = "Infrawise: a provenance-tagged dependency graph of this system's infrastructure, code and runtime. Every edge says whether it is declared (IaC), inferred (code) or observed (runtime), with file:line or snapshot evidence. Call summary first, search to find a node, context before changing anything, impact for what a change breaks, staleness and drift for where the declared layer is wrong. Resources: infrawise://graph (the whole graph, the JSON contract) and infrawise://findings (staleness and drift).";

const GRAPH_URI: &str = "infrawise://graph";
const FINDINGS_URI: &str = "infrawise://findings";

#[tool_handler]
impl ServerHandler for InfrawiseServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("infrawise", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let json = |mut resource: Resource| {
            resource.mime_type = Some("application/json".to_owned());
            resource
        };
        Ok(ListResourcesResult::with_all_items(vec![
            json(Resource::new(GRAPH_URI, "graph").with_description(
                "the whole graph as the JSON contract: nodes, edges, sources, diagnostics",
            )),
            json(
                Resource::new(FINDINGS_URI, "findings")
                    .with_description("staleness and drift findings, each with its evidence"),
            ),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let text = self.with_graph(|loaded| match request.uri.as_str() {
            GRAPH_URI => Ok(loaded.graph.to_json()),
            FINDINGS_URI => Ok(serde_json::to_string_pretty(&report::findings_json(
                &loaded.findings,
            ))
            .unwrap_or_default()),
            other => Err(McpError::resource_not_found(
                format!("no resource {other}; try {GRAPH_URI} or {FINDINGS_URI}"),
                None,
            )),
        })?;
        Ok(
            ReadResourceResult::new(vec![ResourceContents::TextResourceContents {
                uri: request.uri.clone(),
                mime_type: Some("application/json".to_owned()),
                text,
                meta: None,
            }])
            .into(),
        )
    }
}

/// Serves `source` on stdio until the client disconnects.
pub(crate) fn serve(source: GraphSource) -> anyhow::Result<()> {
    let server = InfrawiseServer::new(source).map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let running = server.serve(rmcp::transport::stdio()).await?;
        running.waiting().await?;
        anyhow::Ok(())
    })
}
