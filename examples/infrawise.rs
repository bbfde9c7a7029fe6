//! The `infrawise` command line: scan a system, then ask what breaks, what
//! something relies on, why two things are connected, what is stale and
//! what has drifted.
//!
//! Exit codes: 0 ok; 1 `check` found something at or above `--fail-on`;
//! 2 usage or input error.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use infrawise::core::{EdgeKind, NodeKind, Origin, OriginSet, Severity, Timestamp};
use infrawise::graph::diff::findings_reached;
use infrawise::graph::{
    ContextOptions, DiffKey, DiffOptions, Finding, Graph, SearchOptions, StalenessOptions,
    TraversalOptions, context, dependencies, diff, drift, impact, path, report, search, staleness,
    to_dot, to_mermaid,
};
use infrawise::{ProgressFn, ScanEvent, ScanOptions, policy};

#[path = "mcp/server.rs"]
mod mcp;

#[derive(Parser)]
#[command(
    name = "infrawise",
    version,
    about = "A provenance-tagged dependency graph of infrastructure and code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
    Dot,
    Mermaid,
    /// Load into PostgreSQL (URL), with server-side impact and dependencies.
    #[cfg(feature = "postgres")]
    Postgres,
}

/// How findings are printed: text, the JSON contract, or SARIF 2.1.0 for
/// code-scanning uploads.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum FindingsFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DiffFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum DiffBy {
    Id,
    Logical,
}

#[derive(Args)]
struct GraphArgs {
    /// Query a graph saved with `scan --format json` instead of scanning.
    #[arg(long, value_name = "FILE", conflicts_with = "dir")]
    graph: Option<PathBuf>,
    /// The directory to scan when no --graph is given.
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Also read files that .gitignore hides.
    #[arg(long)]
    no_ignore: bool,
    /// Report scan progress on stderr.
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Args)]
struct FilterArgs {
    /// Follow at most this many hops.
    #[arg(long, value_name = "N")]
    depth: Option<usize>,
    /// Follow only these edge kinds (repeatable): references, depends_on, grants, …
    #[arg(long = "kind", value_name = "KIND")]
    kinds: Vec<String>,
    /// Follow only edges with evidence of these origins (repeatable): declared, inferred, observed.
    #[arg(long = "origin", value_name = "ORIGIN")]
    origins: Vec<String>,
    /// Count inferred evidence only at or above this confidence (0 to 1).
    #[arg(long, value_name = "F", default_value_t = 0.0)]
    min_confidence: f64,
}

#[derive(Subcommand)]
enum Command {
    /// Scan DIR and print the graph (json) or a summary with the scan plan (text).
    Scan {
        /// The directory to scan.
        dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
        /// Write the output to FILE instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also read files that .gitignore hides.
        #[arg(long)]
        no_ignore: bool,
        /// Only print which files would go to which parser.
        #[arg(long)]
        plan: bool,
        /// Report progress on stderr.
        #[arg(long, short)]
        verbose: bool,
        /// The SQL dialect of migrations (postgres, mysql, sqlite), overriding
        /// `-- dialect:` comments and tool settings.
        #[arg(long, value_name = "DIALECT")]
        sql_dialect: Option<String>,
    },
    /// What depends on NODE (any id or alias), transitively.
    Impact {
        node: String,
        #[command(flatten)]
        source: GraphArgs,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// What NODE depends on, transitively.
    Deps {
        node: String,
        #[command(flatten)]
        source: GraphArgs,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// The shortest explanation of how A and B are connected, with evidence per hop.
    Path {
        from: String,
        to: String,
        #[command(flatten)]
        source: GraphArgs,
        #[command(flatten)]
        filter: FilterArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// Stale facts: declared-not-observed, observed-not-declared, dangling references, …
    Stale {
        #[command(flatten)]
        source: GraphArgs,
        /// Also report observed facts not seen since this time (RFC 3339 or a date).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: FindingsFormat,
    },
    /// Attribute drift between declared and observed values, plus missing and unmanaged nodes.
    Drift {
        #[command(flatten)]
        source: GraphArgs,
        #[arg(long, value_enum, default_value = "text")]
        format: FindingsFormat,
    },
    /// Staleness and drift together, for CI gates: exit 1 on findings at or above --fail-on.
    Check {
        #[command(flatten)]
        source: GraphArgs,
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// The least severity that fails the check: info, warning or error.
        #[arg(long, value_name = "SEVERITY", default_value = "error")]
        fail_on: String,
        #[arg(long, value_enum, default_value = "text")]
        format: FindingsFormat,
        /// Also evaluate the cfn-guard rule files (`*.guard`) in DIR over
        /// every resource, declared and observed (`builtin` for the shipped pack).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Nodes whose id, name or an alias contains TEXT, best matches first.
    Search {
        text: String,
        #[command(flatten)]
        source: GraphArgs,
        /// Only nodes of these kinds (repeatable): queue, table, function, …
        #[arg(long = "kind", value_name = "KIND")]
        kinds: Vec<String>,
        /// At most this many hits.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// NODE with its attributes per origin, evidence, neighbours and findings.
    Context {
        node: String,
        #[command(flatten)]
        source: GraphArgs,
        /// How many hops out, in either direction.
        #[arg(long, default_value_t = 1)]
        radius: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: OutputFormat,
    },
    /// What changed from OLD to NEW (each a directory or a saved graph), what
    /// it reaches, and what is stale there; exit 1 with --fail-on.
    Diff {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: DiffFormat,
        /// Match nodes by id (two scans of one repository) or by logical
        /// address (two environments of the same code).
        #[arg(long, value_enum, default_value = "id")]
        by: DiffBy,
        /// Exit 1 when the change touches or reaches a finding at or above
        /// this severity: info, warning or error.
        #[arg(long, value_name = "SEVERITY")]
        fail_on: Option<String>,
        /// Also read files that .gitignore hides.
        #[arg(long)]
        no_ignore: bool,
    },
    /// Serve the graph to AI assistants over the Model Context Protocol (stdio).
    Mcp {
        /// Scan this directory at start and on the `refresh` tool.
        #[arg(long, value_name = "DIR", conflicts_with = "graph")]
        dir: Option<PathBuf>,
        /// Serve a graph saved with `scan --format json` instead.
        #[arg(long, value_name = "FILE")]
        graph: Option<PathBuf>,
    },
    /// Read a live system once and save a snapshot file that later scans read.
    #[cfg(feature = "postgres")]
    Collect {
        #[command(subcommand)]
        what: CollectCommand,
    },
    /// Export the graph as JSON, Graphviz DOT or Mermaid, or load it into
    /// PostgreSQL (`--format postgres URL`).
    Export {
        #[command(flatten)]
        source: GraphArgs,
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        /// For `--format postgres`: the connection string
        /// (`postgresql://user@host:5432/db`); never printed.
        #[arg(value_name = "URL")]
        url: Option<String>,
        /// For `--format postgres`: the name the graph is stored under (a
        /// load replaces the graph of that name).
        #[arg(long, default_value = "default")]
        name: String,
        /// Write the output to FILE instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[cfg(feature = "postgres")]
#[derive(Subcommand)]
enum CollectCommand {
    /// Read a PostgreSQL catalog (read-only) into a snapshot file. URL is a
    /// connection string (`postgresql://user@host:5432/db`); its user and
    /// password never enter the snapshot.
    Postgres {
        url: String,
        /// The snapshot file to write.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// Read only this schema (repeatable); all readable ones by default.
        #[arg(long = "schema", value_name = "SCHEMA")]
        schemas: Vec<String>,
    },
}

fn progress_printer(verbose: bool) -> Option<ProgressFn> {
    verbose.then(|| {
        // Each line says how long the scan has run, so a slow phase shows.
        let start = std::time::Instant::now();
        Box::new(move |event: &ScanEvent| {
            let at = start.elapsed().as_secs_f64();
            match event {
                ScanEvent::Planned { inputs } => eprintln!("infrawise: [{at:.2}s] {inputs} input(s) found"),
                ScanEvent::Parsed { format, inputs, nodes, edges, diagnostics } => {
                    eprintln!("infrawise: [{at:.2}s] {format}: {inputs} input(s) -> {nodes} node(s), {edges} edge(s), {diagnostics} diagnostic(s)");
                }
                ScanEvent::Merged { nodes, edges } => eprintln!("infrawise: [{at:.2}s] graph has {nodes} node(s), {edges} edge(s)"),
                _ => {}
            }
        }) as ProgressFn
    })
}

fn load_graph(args: &GraphArgs) -> Result<Graph> {
    if let Some(file) = &args.graph {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        return Graph::from_json(&text)
            .with_context(|| format!("{} is not a saved infrawise graph", file.display()));
    }
    let options = ScanOptions {
        no_ignore: args.no_ignore,
        progress: progress_printer(args.verbose),
        ..ScanOptions::default()
    };
    Ok(infrawise::scan(&args.dir, &options)?.graph)
}

/// A side of `diff`: a directory to scan, or a graph saved as JSON.
fn load_side(path: &std::path::Path, no_ignore: bool) -> Result<Graph> {
    if path.is_dir() {
        let options = ScanOptions {
            no_ignore,
            ..ScanOptions::default()
        };
        return Ok(infrawise::scan(path, &options)?.graph);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Graph::from_json(&text).with_context(|| {
        format!(
            "{} is neither a directory nor a saved infrawise graph",
            path.display()
        )
    })
}

/// Staleness and drift together, each finding once (what `check` reports).
fn all_findings(graph: &Graph, since: Option<Timestamp>) -> Vec<Finding> {
    let mut findings = staleness(
        graph,
        &StalenessOptions {
            not_seen_since: since,
        },
    );
    let mut seen: BTreeSet<(String, String)> = findings
        .iter()
        .map(|f| (f.code.to_string(), f.message.clone()))
        .collect();
    findings.extend(
        drift(graph)
            .into_iter()
            .filter(|f| seen.insert((f.code.to_string(), f.message.clone()))),
    );
    findings
}

fn traversal_options(filter: &FilterArgs) -> Result<TraversalOptions> {
    let edge_kinds = if filter.kinds.is_empty() {
        None
    } else {
        let kinds: Result<BTreeSet<EdgeKind>, _> =
            filter.kinds.iter().map(|k| k.parse::<EdgeKind>()).collect();
        Some(kinds.with_context(|| {
            let known: Vec<_> = EdgeKind::ALL.iter().map(|k| k.as_str()).collect();
            format!("--kind takes one of: {}", known.join(", "))
        })?)
    };
    let origins = if filter.origins.is_empty() {
        OriginSet::ALL
    } else {
        let origins: Result<OriginSet, _> =
            filter.origins.iter().map(|o| o.parse::<Origin>()).collect();
        origins.context("--origin takes declared, inferred or observed")?
    };
    if !(0.0..=1.0).contains(&filter.min_confidence) {
        bail!("--min-confidence must be between 0 and 1");
    }
    Ok(TraversalOptions {
        max_depth: filter.depth,
        edge_kinds,
        origins,
        min_confidence: filter.min_confidence,
    })
}

fn parse_since(since: Option<&str>) -> Result<Option<Timestamp>> {
    since
        .map(|s| {
            Timestamp::parse(s).with_context(|| {
                format!("--since {s:?} is not a time (try 2026-01-31 or 2026-01-31T12:00:00Z)")
            })
        })
        .transpose()
}

fn emit(text: &str, output: Option<&PathBuf>) -> Result<()> {
    if let Some(file) = output {
        return std::fs::write(file, text)
            .with_context(|| format!("cannot write {}", file.display()));
    }
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(())
}

/// Streams a graph's JSON to `output` (or stdout) without building the
/// document or the text in memory first.
fn emit_graph_json(graph: &Graph, output: Option<&PathBuf>) -> Result<()> {
    if let Some(file) = output {
        let handle = std::fs::File::create(file)
            .with_context(|| format!("cannot write {}", file.display()))?;
        let mut writer = std::io::BufWriter::new(handle);
        graph
            .write_json(&mut writer)
            .and_then(|()| writer.write_all(b"\n"))
            .and_then(|()| writer.flush())
            .with_context(|| format!("cannot write {}", file.display()))?;
        return Ok(());
    }
    let mut writer = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = graph
        .write_json(&mut writer)
        .and_then(|()| writer.write_all(b"\n"))
        .and_then(|()| writer.flush());
    Ok(())
}

fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn findings_output(findings: &[Finding], format: FindingsFormat) -> String {
    match format {
        FindingsFormat::Json => json_text(&report::findings_json(findings)),
        FindingsFormat::Sarif => json_text(&infrawise::graph::export::findings_sarif(
            findings,
            env!("CARGO_PKG_VERSION"),
        )),
        FindingsFormat::Text => report::findings_text(findings),
    }
}

fn reach_output(
    graph: &Graph,
    reach: &infrawise::graph::Reach,
    format: OutputFormat,
    heading: &str,
) -> String {
    match format {
        OutputFormat::Json => json_text(&report::reach_json(graph, reach)),
        OutputFormat::Text => report::reach_text(graph, reach, heading),
    }
}

fn scan_summary(scan: &infrawise::Scan) -> String {
    use std::collections::BTreeMap;
    use std::fmt::Write as _;
    let graph = &scan.graph;
    let mut out = scan.plan.to_text();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for node in graph.nodes() {
        *kinds.entry(node.node.kind.as_str()).or_default() += 1;
    }
    let mut origins: BTreeMap<&str, usize> = BTreeMap::new();
    for edge in graph.edges() {
        for origin in edge.edge.origins().iter() {
            *origins.entry(origin.as_str()).or_default() += 1;
        }
    }
    let _ = writeln!(
        out,
        "\ngraph: {} node(s), {} edge(s)",
        graph.node_count(),
        graph.edge_count()
    );
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(out, "  nodes by kind: {}", kinds.join(", "));
    let origins: Vec<String> = origins.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(out, "  edges with evidence: {}", origins.join(", "));
    if !graph.diagnostics().is_empty() {
        let _ = writeln!(out, "\n{} diagnostic(s):", graph.diagnostics().len());
        for diagnostic in graph.diagnostics() {
            let _ = writeln!(out, "  {diagnostic}");
        }
    }
    out
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan {
            dir,
            format,
            output,
            no_ignore,
            plan,
            verbose,
            sql_dialect,
        } => {
            let sql_dialect = match sql_dialect.as_deref() {
                Some(name) => Some(
                    infrawise::parsers::relational::Dialect::from_name(name)
                        .with_context(|| format!("unknown SQL dialect {name:?}"))?,
                ),
                None => None,
            };
            let options = ScanOptions {
                no_ignore,
                progress: progress_printer(verbose),
                sql_dialect,
            };
            if plan {
                let plan = infrawise::plan(&dir, &options)?;
                emit(&plan.to_text(), output.as_ref())?;
                return Ok(ExitCode::SUCCESS);
            }
            let scan = infrawise::scan(&dir, &options)?;
            match format {
                OutputFormat::Json => emit_graph_json(&scan.graph, output.as_ref())?,
                OutputFormat::Text => emit(&scan_summary(&scan), output.as_ref())?,
            }
        }
        Command::Impact {
            node,
            source,
            filter,
            format,
        } => {
            let graph = load_graph(&source)?;
            let reach = impact(&graph, &node, &traversal_options(&filter)?)?;
            emit(&reach_output(&graph, &reach, format, "depend on"), None)?;
        }
        Command::Deps {
            node,
            source,
            filter,
            format,
        } => {
            let graph = load_graph(&source)?;
            let reach = dependencies(&graph, &node, &traversal_options(&filter)?)?;
            emit(
                &reach_output(&graph, &reach, format, "are depended on by"),
                None,
            )?;
        }
        Command::Path {
            from,
            to,
            source,
            filter,
            format,
        } => {
            let graph = load_graph(&source)?;
            let result = path(&graph, &from, &to, &traversal_options(&filter)?)?;
            let text = match format {
                OutputFormat::Json => json_text(&report::path_json(&graph, result.as_ref())),
                OutputFormat::Text => report::path_text(&graph, &from, &to, result.as_ref()),
            };
            emit(&text, None)?;
        }
        Command::Stale {
            source,
            since,
            format,
        } => {
            let since = parse_since(since.as_deref())?;
            let graph = load_graph(&source)?;
            let findings = staleness(
                &graph,
                &StalenessOptions {
                    not_seen_since: since,
                },
            );
            emit(&findings_output(&findings, format), None)?;
        }
        Command::Drift { source, format } => {
            let graph = load_graph(&source)?;
            emit(&findings_output(&drift(&graph), format), None)?;
        }
        Command::Check {
            source,
            since,
            fail_on,
            format,
            rules,
        } => {
            let fail_on: Severity = fail_on
                .parse()
                .context("--fail-on takes info, warning or error")?;
            let since = parse_since(since.as_deref())?;
            let rules = match rules {
                None => None,
                Some(dir) if dir.as_os_str() == "builtin" => Some(policy::builtin_rules()),
                Some(dir) => Some(
                    policy::load_rules(&dir)
                        .with_context(|| format!("cannot read rules from {}", dir.display()))?,
                ),
            };
            let graph = load_graph(&source)?;
            let mut findings = all_findings(&graph, since);
            if let Some(rules) = rules {
                let report = policy::evaluate(&graph, &rules);
                if !report.diagnostics.is_empty() {
                    let lines: Vec<String> =
                        report.diagnostics.iter().map(ToString::to_string).collect();
                    bail!("{}", lines.join("\n"));
                }
                findings.extend(report.findings);
            }
            emit(&findings_output(&findings, format), None)?;
            if findings.iter().any(|f| f.severity >= fail_on) {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Search {
            text,
            source,
            kinds,
            limit,
            format,
        } => {
            let graph = load_graph(&source)?;
            let kinds = if kinds.is_empty() {
                None
            } else {
                Some(
                    kinds
                        .iter()
                        .map(|k| {
                            k.parse()
                                .with_context(|| format!("unknown node kind {k:?}"))
                        })
                        .collect::<Result<BTreeSet<NodeKind>>>()?,
                )
            };
            let options = SearchOptions {
                kinds,
                limit,
                ..SearchOptions::default()
            };
            let hits = search(&graph, &text, &options);
            let text = match format {
                OutputFormat::Json => json_text(&report::search_json(&text, &hits)),
                OutputFormat::Text => report::search_text(&text, &hits),
            };
            emit(&text, None)?;
        }
        Command::Context {
            node,
            source,
            radius,
            format,
        } => {
            let graph = load_graph(&source)?;
            let findings = all_findings(&graph, None);
            let options = ContextOptions {
                radius,
                ..ContextOptions::default()
            };
            let around = context(&graph, &node, &options, &findings)?;
            let text = match format {
                OutputFormat::Json => json_text(&report::context_json(&graph, &around)),
                OutputFormat::Text => report::context_text(&graph, &around),
            };
            emit(&text, None)?;
        }
        Command::Diff {
            old,
            new,
            format,
            by,
            fail_on,
            no_ignore,
        } => {
            let fail_on: Option<Severity> = fail_on
                .map(|s| s.parse().context("--fail-on takes info, warning or error"))
                .transpose()?;
            let old = load_side(&old, no_ignore)?;
            let new = load_side(&new, no_ignore)?;
            let key = match by {
                DiffBy::Id => DiffKey::Id,
                DiffBy::Logical => DiffKey::LogicalAddress,
            };
            let changes = diff(&old, &new, &DiffOptions { key });
            let findings = all_findings(&new, None);
            let reached = findings_reached(&changes, &findings, Severity::Info);
            let text = match format {
                DiffFormat::Json => json_text(&report::diff_json(&changes, &reached)),
                DiffFormat::Text => report::diff_report(&changes, &reached, false),
                DiffFormat::Markdown => report::diff_report(&changes, &reached, true),
            };
            emit(&text, None)?;
            if let Some(fail_on) = fail_on
                && reached.iter().any(|f| f.severity >= fail_on)
            {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Mcp { dir, graph } => {
            let source = match (dir, graph) {
                (_, Some(file)) => mcp::GraphSource::File(file),
                (Some(dir), None) => mcp::GraphSource::Dir(dir),
                (None, None) => mcp::GraphSource::Dir(PathBuf::from(".")),
            };
            mcp::serve(source)?;
        }
        #[cfg(feature = "postgres")]
        Command::Collect {
            what:
                CollectCommand::Postgres {
                    url,
                    output,
                    schemas,
                },
        } => {
            use infrawise::collect;
            let options = collect::PostgresOptions::default().with_schemas(schemas);
            let snapshot = collect::postgres(&url, &options)?;
            collect::write_snapshot(&snapshot, &output)?;
            eprintln!(
                "infrawise: {}: {} table(s), {} index(es), {} view(s), {} foreign key(s){}",
                snapshot.scope,
                snapshot.tables.len(),
                snapshot.indexes.len(),
                snapshot.views.len(),
                snapshot.foreign_keys.len(),
                if snapshot.complete {
                    String::new()
                } else {
                    format!(
                        "; partial: cannot read schema(s) {}",
                        snapshot.schemas_unreadable.join(", ")
                    )
                }
            );
        }
        Command::Export {
            source,
            format,
            url,
            name,
            output,
        } => {
            if url.is_some() && !is_database(format) {
                bail!("a URL is only read with --format postgres");
            }
            let graph = load_graph(&source)?;
            match format {
                ExportFormat::Json => emit_graph_json(&graph, output.as_ref())?,
                ExportFormat::Dot => emit(&to_dot(&graph), output.as_ref())?,
                ExportFormat::Mermaid => emit(&to_mermaid(&graph), output.as_ref())?,
                #[cfg(feature = "postgres")]
                ExportFormat::Postgres => {
                    use infrawise::export::{self, LoadStep, PostgresExport};
                    let Some(url) = url else {
                        bail!(
                            "--format postgres needs a connection string: export --format postgres URL"
                        );
                    };
                    let mut report = |step: LoadStep| match step {
                        LoadStep::Prepared => {
                            eprintln!("infrawise: schema ready, graph {name:?} cleared");
                        }
                        LoadStep::Rows { table, rows } => {
                            eprintln!("infrawise: {table}: {rows} row(s)");
                        }
                        LoadStep::Committed => eprintln!("infrawise: committed"),
                        _ => {}
                    };
                    let summary = export::postgres(
                        &graph,
                        &url,
                        &PostgresExport::default().named(name.clone()),
                        &mut report,
                    )?;
                    eprintln!(
                        "infrawise: graph {name:?} loaded: {} node(s), {} edge(s), {} alias(es), {} evidence record(s)",
                        summary.nodes, summary.edges, summary.aliases, summary.evidence
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `format` writes to a database rather than a file.
fn is_database(format: ExportFormat) -> bool {
    #[cfg(feature = "postgres")]
    {
        matches!(format, ExportFormat::Postgres)
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = format;
        false
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("infrawise: {error:#}");
            ExitCode::from(2)
        }
    }
}
