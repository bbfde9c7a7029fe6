//! Infrawise: one typed dependency graph of a software system, built from
//! what is **declared** (Terraform, CloudFormation/SAM, CDK), what is
//! **inferred** from code, and what is **observed** at runtime (Terraform
//! state, stack resources), with every edge tagged by its provenance.
//!
//! This facade ties the crates together: [`scan`] walks a directory
//! (honouring `.gitignore`), hands each input to its parser, and merges the
//! fragments into an [`infrawise_graph::Graph`] that answers impact,
//! dependency, path, staleness and drift questions.
//!
//! # Example
//!
//! ```no_run
//! use infrawise::{ScanOptions, scan};
//! use infrawise::graph::{TraversalOptions, impact};
//!
//! let result = scan("examples/demo".as_ref(), &ScanOptions::default())?;
//! for diagnostic in result.graph.diagnostics() {
//!     eprintln!("{diagnostic}");
//! }
//! let reach = impact(&result.graph, "orders-queue", &TraversalOptions::default())?;
//! for hit in &reach.affected {
//!     println!("{} (depth {})", hit.id, hit.depth);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod collect;
pub mod export;
mod plan;
pub mod policy;

pub use infrawise_core as core;
pub use infrawise_graph as graph;
pub use infrawise_parsers as parsers;
pub use plan::{PlannedInput, ScanPlan, plan};

use std::path::{Path, PathBuf};

use infrawise_core::{Format, Fragment};
use infrawise_graph::{Graph, GraphBuilder};
use infrawise_parsers::terraform;
use rayon::prelude::*;

/// Errors that stop a scan: the root cannot be walked at all. Bad input
/// files never stop a scan; they become diagnostics in the graph.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The scan root does not exist or is not a directory.
    #[error("{} is not a directory", path.display())]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
}

/// What happened during a scan, for progress reporting.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScanEvent {
    /// The tree was walked; this many inputs were found for the parsers.
    Planned {
        /// How many inputs.
        inputs: usize,
    },
    /// A parser finished.
    Parsed {
        /// Its format.
        format: Format,
        /// How many inputs it read.
        inputs: usize,
        /// How many nodes, edges and diagnostics it produced.
        nodes: usize,
        /// Edges produced.
        edges: usize,
        /// Diagnostics produced.
        diagnostics: usize,
    },
    /// The fragments were merged into the graph.
    Merged {
        /// Nodes in the graph.
        nodes: usize,
        /// Edges in the graph.
        edges: usize,
    },
}

/// A progress callback; see [`ScanOptions::progress`].
pub type ProgressFn = Box<dyn Fn(&ScanEvent) + Send + Sync>;

/// Options of [`scan`] and [`plan`].
#[derive(Default)]
pub struct ScanOptions {
    /// Also read files that `.gitignore`, `.ignore` and git's excludes hide.
    pub no_ignore: bool,
    /// Called as the scan progresses (from the scanning thread).
    pub progress: Option<ProgressFn>,
    /// The SQL dialect of every migration history, overriding `-- dialect:`
    /// comments and tool settings.
    pub sql_dialect: Option<infrawise_parsers::relational::Dialect>,
}

impl std::fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanOptions")
            .field("no_ignore", &self.no_ignore)
            .field("progress", &self.progress.is_some())
            .field("sql_dialect", &self.sql_dialect)
            .finish()
    }
}

impl ScanOptions {
    fn report(&self, event: &ScanEvent) {
        if let Some(progress) = &self.progress {
            progress(event);
        }
    }
}

/// The result of a scan: what was read, and the graph.
#[derive(Debug)]
pub struct Scan {
    /// The inputs found and the parser each went to.
    pub plan: ScanPlan,
    /// The merged graph, with every parser's diagnostics.
    pub graph: Graph,
}

/// Scans `root`: walks it, parses every recognised input with its parser
/// (in parallel), and merges the results into one graph.
pub fn scan(root: &Path, options: &ScanOptions) -> Result<Scan, Error> {
    let plan = plan(root, options)?;
    options.report(&ScanEvent::Planned {
        inputs: plan.inputs.len(),
    });
    let groups = plan.by_format();
    let (fragments, syntax): (Vec<_>, Vec<_>) = groups
        .into_par_iter()
        .map(|(format, paths)| {
            let (fragment, syntax) = parse_group(format, &paths, &plan.root, options);
            ((format, paths.len(), fragment), syntax)
        })
        .unzip();
    let mut builder = GraphBuilder::new();
    builder.add(declaration_drift(&fragments));
    builder.add(infrawise_parsers::dbsnapshot::link_instances(
        &fragments
            .iter()
            .map(|(_, _, fragment)| fragment)
            .collect::<Vec<_>>(),
    ));
    for (format, inputs, fragment) in fragments {
        options.report(&ScanEvent::Parsed {
            format,
            inputs,
            nodes: fragment.nodes.len(),
            edges: fragment.edges.len(),
            diagnostics: fragment.diagnostics.len(),
        });
        builder.add(fragment);
    }
    for diagnostic in &plan.diagnostics {
        builder.add(Fragment {
            diagnostics: vec![diagnostic.clone()],
            ..Fragment::new()
        });
    }
    // The merge runs on one core: the syntax trees are freed on the others.
    let (graph, ()) = rayon::join(
        || builder.build(),
        || {
            for trees in syntax.into_iter().flatten() {
                trees.free();
            }
        },
    );
    options.report(&ScanEvent::Merged {
        nodes: graph.node_count(),
        edges: graph.edge_count(),
    });
    Ok(Scan { plan, graph })
}

/// Where an ORM model and a migration declare the same table differently:
/// a warning each, and the disagreement recorded on the node (which the
/// graph's `schema-model-mismatch` finding reads). The graph keeps one
/// declared value per attribute, so this must be seen before the merge.
fn declaration_drift(fragments: &[(Format, usize, Fragment)]) -> Fragment {
    let of = |wanted: Format| {
        fragments
            .iter()
            .find(|(f, _, _)| *f == wanted)
            .map(|(_, _, fragment)| fragment)
    };
    let (Some(migrations), Some(models)) = (of(Format::Sql), of(Format::OrmModel)) else {
        return Fragment::new();
    };
    let conflicts = infrawise_parsers::schema::declaration_conflicts(migrations, models);
    let mut fragment = infrawise_parsers::schema::conflicts_fragment(&conflicts);
    fragment.diagnostics = conflicts
        .iter()
        .map(infrawise_parsers::schema::DeclarationConflict::to_diagnostic)
        .collect();
    fragment
}

/// Hands one format's inputs to its parser; Terraform's syntax trees come
/// back with its fragment, to be freed while the graph is built.
fn parse_group(
    format: Format,
    paths: &[PathBuf],
    root: &Path,
    options: &ScanOptions,
) -> (Fragment, Option<terraform::Syntax>) {
    if format == Format::Terraform {
        let (fragment, syntax) = terraform::parse_keeping_syntax(paths, root);
        return (fragment, Some(syntax));
    }
    (parse_other(format, paths, root, options), None)
}

/// Hands one format's inputs, other than Terraform's, to its parser.
fn parse_other(format: Format, paths: &[PathBuf], root: &Path, options: &ScanOptions) -> Fragment {
    use infrawise_parsers::{cdk, cloudformation, dbsnapshot, python, schema, tfstate, typescript};
    match format {
        Format::TerraformState => tfstate::parse(paths, root),
        Format::CloudFormation => cloudformation::parse(paths, root),
        Format::CloudFormationStack => cloudformation::parse_stack_observations(paths, root),
        Format::Cdk => cdk::parse(paths, root),
        Format::TypeScript => typescript::parse(paths, root),
        Format::Python => python::parse(paths, root),
        Format::Sql => schema::parse_migrations_with(
            paths,
            root,
            &schema::SchemaOptions {
                dialect: options.sql_dialect,
            },
        ),
        Format::OrmModel => schema::parse_models(paths, root),
        Format::DatabaseSnapshot => dbsnapshot::parse(paths, root),
        Format::Traces => infrawise_parsers::runtime::parse_traces(paths, root),
        Format::CloudTrail => infrawise_parsers::runtime::parse_cloudtrail(paths, root),
        Format::Inventory => infrawise_parsers::inventory::parse(paths, root),
        Format::Metrics => infrawise_parsers::runtime::metrics::parse_metrics(paths, root),
        Format::Kubernetes => infrawise_parsers::kubernetes::parse(paths, root),
        // The plan only assigns the formats above.
        _ => Fragment::new(),
    }
}

/// The README's examples, compiled as doctests so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
