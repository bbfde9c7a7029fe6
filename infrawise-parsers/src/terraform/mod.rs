//! The `terraform` parser: Terraform HCL (declared).
//!
//! Files are grouped by directory; a directory with `.tf` files that no
//! other scanned directory calls as a local module is a root module. Each
//! root module is evaluated with its tfvars (in parallel, one root per
//! task): variables, locals, module inputs and outputs, string templates and
//! the common Terraform functions. Local modules are followed recursively
//! with module-path-qualified addresses; registry and git modules become
//! external-module nodes. Resources with a known `count`/`for_each` become
//! one node per instance. What cannot be evaluated stays unknown.
//!
//! Node ids are `tf:<root dir>:<address>`, the convention shared with the
//! [`tfstate`](crate::tfstate) parser so that declared and observed meet.

mod analysis;
mod calls;
mod emit;
mod eval;
mod functions;
mod handlers;
mod iam;
pub(crate) mod kinds;
mod load;
mod module;
mod refs;
mod tfvars;
mod value;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

use hcl::edit::expr::Expression;
use hcl::edit::structure::Block;
use infrawise_core::{
    Diagnostic, Edge, EdgeKind, Format, Fragment, Node, NodeId, NodeRef, Origin, Source, Text,
    normalize_evidence,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use self::analysis::{Analysis, Shared};
use self::calls::{MAX_MODULE_DEPTH, is_local_source};
use self::load::{SourceFile, join_lexically};
use self::module::{Context, Instance, ModuleFiles, Scan};

/// Whether `path` is a file this parser reads: `*.tf`, `*.tf.json`,
/// `*.tfvars` or `*.tfvars.json`.
pub fn is_terraform_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    [".tf", ".tf.json", ".tfvars", ".tfvars.json"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Parses Terraform files found under `root` into one fragment: every
/// root module evaluated with its tfvars, local modules followed.
///
/// ```
/// # let dir = std::env::temp_dir().join("infrawise-doc-terraform");
/// # std::fs::create_dir_all(&dir).unwrap();
/// # std::fs::write(dir.join("main.tf"), "resource \"aws_sqs_queue\" \"q\" {\n  name = \"orders\"\n}\n").unwrap();
/// let fragment = infrawise_parsers::terraform::parse(&[dir.join("main.tf")], &dir);
/// assert!(fragment.render().contains("alias name[queue]:orders"));
/// ```
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    // The trees are freed on the other cores while this one links and
    // sorts, and before the fragment is returned.
    let (unlinked, syntax) = evaluate(files, root);
    rayon::join(|| link(unlinked), || syntax.free()).0
}

/// Like [`parse`], but hands back the syntax trees the fragment was read
/// from rather than freeing them, for the caller to free where that
/// overlaps other work:
///
/// ```
/// # let dir = std::env::temp_dir().join("infrawise-doc-terraform-syntax");
/// # std::fs::create_dir_all(&dir).unwrap();
/// # std::fs::write(dir.join("main.tf"), "resource \"aws_sqs_queue\" \"q\" {}\n").unwrap();
/// let (fragment, syntax) =
///     infrawise_parsers::terraform::parse_keeping_syntax(&[dir.join("main.tf")], &dir);
/// // Here the work is rendering; in `infrawise::scan`, building the graph.
/// let (text, ()) = rayon::join(|| fragment.render(), || syntax.free());
/// assert!(text.contains("aws_sqs_queue.q"));
/// ```
pub fn parse_keeping_syntax(files: &[PathBuf], root: &Path) -> (Fragment, Syntax) {
    let (unlinked, syntax) = evaluate(files, root);
    (link(unlinked), syntax)
}

/// The syntax trees a Terraform parse read, which its fragment no longer
/// needs (see [`parse_keeping_syntax`]).
///
/// Freeing them costs about a third of what parsing them did, and merging
/// the fragment into a graph runs on one core and leaves the others idle:
/// freeing them there takes that cost off the scan's length. Kept through
/// the merge, they did not raise the peak heap of a scan of
/// terraform-aws-eks or terraform-aws-vpc: evaluation, when trees, their
/// analyses and the fragments are all alive, sets it.
#[derive(Debug)]
pub struct Syntax(BTreeMap<PathBuf, ModuleFiles>);

impl Syntax {
    /// Frees the trees, on every core of the thread pool.
    pub fn free(self) {
        self.0.into_par_iter().for_each(drop);
    }
}

/// A scan's fragment before it is linked: its roots' fragments, each
/// finished, joined.
struct Unlinked {
    fragment: Fragment,
    /// Whether the joined nodes and edges are sorted and distinct already,
    /// which the roots' lists, each sorted and distinct, are when each one
    /// starts after the one before it ends.
    in_order: bool,
}

/// Parses and evaluates every root module: the fragment before it is
/// linked, and the trees it was read from.
fn evaluate(files: &[PathBuf], root: &Path) -> (Unlinked, Syntax) {
    let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut tfvars: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut fragment = Fragment::new();
    for file in files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        if Path::new(&name).extension().is_some_and(|e| e == "tf") {
            by_dir.entry(dir).or_default().push(file.clone());
        } else if name.ends_with(".tfvars") || name.ends_with(".tfvars.json") {
            tfvars.entry(dir).or_default().push(file.clone());
        } else if name.ends_with(".tf.json") {
            fragment.diagnostics.push(Diagnostic::info(
                crate::display_path(file, root),
                None,
                "terraform json configuration is not read",
            ));
        }
    }
    for paths in by_dir.values_mut() {
        paths.sort();
    }
    // Each directory's files are parsed one per task (a module's files
    // differ in size by orders of magnitude), and the directory is
    // analysed as soon as its own files are, not after the scan's last
    // file: the thread pool never waits for one large file, or for one
    // large module's analysis, with nothing else to do. The trees are kept
    // in `parsed`, which every analysis borrows.
    let dirs: Vec<(&PathBuf, &Vec<PathBuf>)> = by_dir.iter().collect();
    let parsed: Vec<OnceLock<ModuleFiles>> = dirs.iter().map(|_| OnceLock::new()).collect();
    let built: Vec<(Analysis<'_>, Vec<Diagnostic>)> = dirs
        .par_iter()
        .zip(&parsed)
        .map(|(&(dir, paths), slot)| {
            let read: Vec<(Option<SourceFile>, Vec<Diagnostic>)> = paths
                .par_iter()
                .map(|path| {
                    let mut diagnostics = Vec::new();
                    let file = load::read_file(path, root, &mut diagnostics);
                    (file, diagnostics)
                })
                .collect();
            let mut diagnostics = Vec::new();
            let mut files = Vec::with_capacity(read.len());
            for (file, found) in read {
                diagnostics.extend(found);
                files.extend(file);
            }
            let module = slot.get_or_init(|| ModuleFiles {
                dir: dir.clone(),
                display: crate::display_path(dir, root),
                files,
            });
            (Analysis::build(module), diagnostics)
        })
        .collect();
    // What every module directory's syntax says, worked out once for all
    // the instances of every root.
    let mut analyses: BTreeMap<PathBuf, Analysis<'_>> = BTreeMap::new();
    for (&(dir, _), (analysis, diagnostics)) in dirs.iter().zip(built) {
        fragment.diagnostics.extend(diagnostics);
        analyses.insert(dir.clone(), analysis);
    }
    let called = called_dirs(analyses.values().map(|a| a.files));
    // Roots differ in cost by an order of magnitude (a test root that
    // calls the main module twice, one that calls nothing), so they are
    // taken largest first by whichever thread is free: a root started last
    // on a busy thread would otherwise set the scan's length.
    let mut roots: Vec<(Cost, &PathBuf)> = {
        let mut costs = HashMap::default();
        analyses
            .keys()
            .filter(|dir| !called.contains(*dir))
            .map(|dir| {
                (
                    estimated_cost(dir, &analyses, &mut costs, &mut Vec::new()),
                    dir,
                )
            })
            .collect()
    };
    roots.sort_by(|a, b| b.0.bytes.cmp(&a.0.bytes).then_with(|| a.1.cmp(b.1)));
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Fragment>> = Mutex::new(Vec::with_capacity(roots.len()));
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads().min(roots.len()) {
            scope.spawn(|_| {
                while let Some(&(cost, dir)) = roots.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let tfvars = tfvars.get(dir).map(Vec::as_slice).unwrap_or_default();
                    let result = evaluate_root(dir, root, &analyses, tfvars, cost);
                    done.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(result);
                }
            });
        }
    });
    // Every id of a root starts `tf:<root>:`, so in the order of their
    // first ids each root's sorted run follows the one before it: checking
    // where they meet is enough, and the joined lists need no sort.
    let mut results = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    results.sort_by(|a, b| {
        let (a, b) = (a.nodes.first(), b.nodes.first());
        a.map(|n| &n.id).cmp(&b.map(|n| &n.id))
    });
    let in_order = runs_in_order(results.iter().map(|r| r.nodes.as_slice()), |a, b| {
        a.id < b.id
    }) && runs_in_order(results.iter().map(|r| r.edges.as_slice()), |a, b| {
        edge_order(a, b).is_lt()
    });
    // Moving the roots' nodes and edges into the joined lists is mostly
    // faulting in fresh memory, on one core while the other waits: the
    // nodes and the edges are joined on one core each.
    let mut node_lists = vec![std::mem::take(&mut fragment.nodes)];
    let mut edge_lists = vec![std::mem::take(&mut fragment.edges)];
    for result in results {
        node_lists.push(result.nodes);
        edge_lists.push(result.edges);
        fragment.sources.extend(result.sources);
        fragment.diagnostics.extend(result.diagnostics);
    }
    // The analyses (a few tenths of a millisecond to free) go beside the
    // join, not after it.
    (fragment.nodes, fragment.edges) = rayon::join(
        || concat(node_lists),
        || {
            drop(analyses);
            concat(edge_lists)
        },
    );
    let modules = dirs
        .into_iter()
        .zip(parsed)
        .filter_map(|((dir, _), slot)| Some((dir.clone(), slot.into_inner()?)))
        .collect();
    (Unlinked { fragment, in_order }, Syntax(modules))
}

/// The lists one after another, in one list allocated once.
fn concat<T>(lists: Vec<Vec<T>>) -> Vec<T> {
    let mut joined = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    for list in lists {
        joined.extend(list);
    }
    joined
}

/// Whether lists, each sorted and distinct, are so joined in this order:
/// whether each non-empty one starts after (`before`) the last item before
/// it.
fn runs_in_order<'a, T: 'a>(
    runs: impl Iterator<Item = &'a [T]>,
    before: impl Fn(&T, &T) -> bool,
) -> bool {
    let mut last: Option<&T> = None;
    for run in runs {
        let Some(first) = run.first() else {
            continue;
        };
        if last.is_some_and(|last| !before(last, first)) {
            return false;
        }
        last = run.last();
    }
    true
}

/// Texts every instance repeats on its nodes and edges, interned once:
/// interning takes a lock, and modules are evaluated on every core.
pub(crate) struct Texts {
    /// The extractor every piece of Terraform evidence names.
    pub(crate) terraform: Text,
    pub(crate) value: Text,
    pub(crate) variable: Text,
    pub(crate) output: Text,
    pub(crate) local: Text,
    pub(crate) variable_block: Text,
    pub(crate) output_block: Text,
    pub(crate) locals_block: Text,
    pub(crate) resource_block: Text,
    pub(crate) data_block: Text,
    pub(crate) resource_block_unknown: Text,
    pub(crate) data_block_unknown: Text,
    pub(crate) module_contains: Text,
}

pub(crate) static TEXTS: LazyLock<Texts> = LazyLock::new(|| Texts {
    terraform: Text::new("terraform"),
    value: Text::new("value"),
    variable: Text::new("variable"),
    output: Text::new("output"),
    local: Text::new("local"),
    variable_block: Text::new("variable block"),
    output_block: Text::new("output block"),
    locals_block: Text::new("locals block"),
    resource_block: Text::new("resource block"),
    data_block: Text::new("data block"),
    resource_block_unknown: Text::new("resource block (multi-instance, instances unknown)"),
    data_block_unknown: Text::new("data block (multi-instance, instances unknown)"),
    module_contains: Text::new("module contains"),
});

/// Sorts edges by `(from, to, kind)` and merges those equal in all three,
/// evidence appended in input order. `nodes` are sorted by id and distinct.
///
/// The ends are ids with long shared prefixes
/// (`tf:examples/complete:module.eks.aws_iam_role.this[0]`), and comparing
/// them as strings was most of the cost of a root's evaluation's last
/// step. So the distinct ends are ranked once, most of them by their
/// node's position, and the edges are sorted by ranks.
fn sort_edges(edges: &mut Vec<Edge>, nodes: &[Node]) {
    // Keyed by id, which hashes without reading its text and, shared with
    // the edges that name it, compares without reading it either.
    let position: HashMap<&NodeId, u32> =
        nodes.iter().zip(0u32..).map(|(n, i)| (&n.id, i)).collect();
    // Each end's node, looked up once: `ends[2 * i]` is edge `i`'s `from`,
    // `ends[2 * i + 1]` its `to`.
    let ends: Vec<Option<u32>> = edges
        .iter()
        .flat_map(|edge| [&edge.from, &edge.to])
        .map(|end| match end {
            NodeRef::Id(id) => position.get(id).copied(),
            NodeRef::Alias(_) => None,
        })
        .collect();
    drop(position);
    // Ends that are not nodes here (ids of other fragments, aliases).
    let mut others: Vec<&NodeRef> = edges
        .iter()
        .flat_map(|edge| [&edge.from, &edge.to])
        .zip(&ends)
        .filter_map(|(end, node)| node.is_none().then_some(end))
        .collect();
    others.sort_unstable();
    others.dedup();
    // A rank is a place in the nodes and the other ends merged in order
    // (an id sorts before every alias).
    let mut node_rank = vec![0u32; nodes.len()];
    let mut other_rank = vec![0u32; others.len()];
    let (mut n, mut o) = (0, 0);
    while n < nodes.len() || o < others.len() {
        let node_first = match (nodes.get(n), others.get(o)) {
            (Some(node), Some(NodeRef::Id(id))) => node.id < *id,
            (Some(_), _) => true,
            (None, _) => false,
        };
        let rank = (n + o) as u32;
        if node_first {
            node_rank[n] = rank;
            n += 1;
        } else {
            other_rank[o] = rank;
            o += 1;
        }
    }
    let rank = |end: &NodeRef, node: Option<u32>| -> u32 {
        match node {
            Some(at) => node_rank[at as usize],
            None => others
                .binary_search(&end)
                .map_or(u32::MAX, |at| other_rank[at]),
        }
    };
    // The index breaks ties, so the unstable sort keeps input order.
    let mut keyed: Vec<(u32, u32, EdgeKind, u32)> = edges
        .iter()
        .zip(ends.chunks_exact(2))
        .zip(0u32..)
        .map(|((edge, found), index)| {
            (
                rank(&edge.from, found[0]),
                rank(&edge.to, found[1]),
                edge.kind,
                index,
            )
        })
        .collect();
    keyed.sort_unstable();
    drop(others);
    let mut slots: Vec<Option<Edge>> = std::mem::take(edges).into_iter().map(Some).collect();
    edges.reserve_exact(slots.len());
    let mut last = None;
    for (from, to, kind, index) in keyed {
        let Some(mut edge) = slots[index as usize].take() else {
            continue;
        };
        match edges.last_mut() {
            Some(kept) if last == Some((from, to, kind)) => {
                kept.evidence.append(&mut edge.evidence);
            }
            _ => edges.push(edge),
        }
        last = Some((from, to, kind));
    }
}

/// Directories some scanned module calls as a local `source`.
fn called_dirs<'f>(modules: impl Iterator<Item = &'f ModuleFiles>) -> BTreeSet<PathBuf> {
    let mut called = BTreeSet::new();
    for files in modules {
        let dir = &files.dir;
        for file in &files.files {
            for (_, block) in file.blocks() {
                if block.ident.value().as_str() != "module" {
                    continue;
                }
                if let Some(target) = local_call_target(dir, block)
                    && target != *dir
                {
                    called.insert(target);
                }
            }
        }
    }
    called
}

/// The directory a `module` block in `dir` calls, when its `source` is a
/// local path written as a literal.
fn local_call_target(dir: &Path, block: &Block) -> Option<PathBuf> {
    match block.body.get_attribute("source").map(|a| &a.value) {
        Some(Expression::String(source)) if is_local_source(source.value()) => {
            Some(join_lexically(dir, source.value()))
        }
        _ => None,
    }
}

/// What evaluating a root costs, roughly.
#[derive(Clone, Copy, Debug, Default)]
struct Cost {
    /// The bytes of its files and of the modules it calls.
    bytes: usize,
    /// The blocks of those files: about the nodes it gives.
    blocks: usize,
}

/// What evaluating `dir` as a root costs: its own files plus, for every
/// call of a scanned local module, that module's cost. A module's cost is
/// worked out once (`costs`); a call back into a module on the way
/// (`stack`, a cycle), or nested deeper than evaluation follows, adds
/// nothing.
fn estimated_cost(
    dir: &Path,
    analyses: &BTreeMap<PathBuf, Analysis<'_>>,
    costs: &mut HashMap<PathBuf, Cost>,
    stack: &mut Vec<PathBuf>,
) -> Cost {
    if let Some(&cost) = costs.get(dir) {
        return cost;
    }
    let Some(module) = analyses.get(dir) else {
        return Cost::default();
    };
    // A cycle adds nothing; nesting stops where evaluation stops following.
    if stack.iter().any(|d| d == dir) || stack.len() >= MAX_MODULE_DEPTH {
        return Cost::default();
    }
    stack.push(dir.to_path_buf());
    let mut cost = Cost {
        bytes: module.files.files.iter().map(|f| f.text.len()).sum(),
        blocks: module.index.blocks(),
    };
    for b in module.index.modules.values() {
        if let Some(target) = local_call_target(dir, b.block) {
            let called = estimated_cost(&target, analyses, costs, stack);
            cost.bytes = cost.bytes.saturating_add(called.bytes);
            cost.blocks = cost.blocks.saturating_add(called.blocks);
        }
    }
    stack.pop();
    costs.insert(dir.to_path_buf(), cost);
    cost
}

/// Evaluates one root module and everything it calls.
fn evaluate_root(
    dir: &Path,
    root: &Path,
    analyses: &BTreeMap<PathBuf, Analysis<'_>>,
    tfvars_files: &[PathBuf],
    cost: Cost,
) -> Fragment {
    let Some(syntax) = analyses.get(dir) else {
        return Fragment::new();
    };
    let display = crate::display_path(dir, root);
    let scan = Scan::new(root, display.clone(), analyses);
    {
        // About a node a block and up to two edges a node (terraform-aws-vpc
        // and -eks), reserved rather than grown: each doubling of a large
        // list copied it, and freeing the old one set glibc consolidating
        // its small chunks.
        let mut out = scan.out.borrow_mut();
        out.nodes.reserve(cost.blocks);
        out.edges.reserve(cost.blocks.saturating_mul(2));
    }
    let (inputs, diagnostics) = tfvars::load(tfvars_files, root);
    scan.out.borrow_mut().diagnostics.extend(diagnostics);
    let ctx = Context {
        inputs,
        stack: vec![dir.to_path_buf()],
        ..Context::default()
    };
    let instance = Instance::new(&scan, Shared::Borrowed(syntax), ctx);
    let _ = instance.run();
    drop(instance);
    let mut fragment = scan.out.into_inner();
    // Sorted here, in this root's task: the final sort (stable, which
    // finds sorted runs) then only checks the roots' runs, put in order,
    // on one thread rather than sorting from scratch.
    finish(&mut fragment);
    let mut source = Source::new(display.clone(), Format::Terraform, Origin::Declared);
    source.scope = Some(format!("terraform:{display}"));
    fragment.sources.push(source);
    fragment
}

/// Links each Lambda function to the code its package is built from,
/// which needs every root's nodes, then finishes the scan's fragment:
/// only its short lists, when its nodes and edges are in order and
/// linking added no edge.
fn link(unlinked: Unlinked) -> Fragment {
    let Unlinked {
        mut fragment,
        in_order,
    } = unlinked;
    let edges = fragment.edges.len();
    handlers::link(&mut fragment);
    if in_order && fragment.edges.len() == edges {
        finish_lists(&mut fragment);
    } else {
        finish(&mut fragment);
    }
    fragment
}

/// How `finish` orders edges: by their ends, then kind.
fn edge_order(a: &Edge, b: &Edge) -> std::cmp::Ordering {
    (&a.from, &a.to, a.kind).cmp(&(&b.from, &b.to, b.kind))
}

/// Merges duplicate edges and sorts everything, so output is stable.
///
/// A root's fragment comes unsorted, and its edges are sorted by rank
/// ([`sort_edges`]). The whole scan's fragment is joined from roots'
/// fragments that this finished already, in order, so it is mostly
/// checked, not sorted, and merged in place: moving every edge into a new
/// list cost more than the checks.
fn finish(fragment: &mut Fragment) {
    if !fragment.nodes.is_sorted_by(|a, b| a.id <= b.id) {
        fragment.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    }
    fragment.nodes.dedup_by(|a, b| a.id == b.id);
    let edges = &mut fragment.edges;
    if edges.is_sorted_by(|a, b| edge_order(a, b).is_le()) {
        merge_duplicates(edges);
    } else {
        sort_edges(edges, &fragment.nodes);
    }
    // One piece of evidence is already in normal form.
    for edge in edges.iter_mut().filter(|edge| edge.evidence.len() > 1) {
        normalize_evidence(&mut edge.evidence);
    }
    finish_lists(fragment);
}

/// Merges each run of edges equal in ends and kind, in a sorted list, into
/// its first, evidence appended in list order.
fn merge_duplicates(edges: &mut Vec<Edge>) {
    edges.dedup_by(|next, kept| {
        let same = edge_order(kept, next).is_eq();
        if same {
            kept.evidence.append(&mut next.evidence);
        }
        same
    });
}

/// Sorts a fragment's diagnostics and sources.
fn finish_lists(fragment: &mut Fragment) {
    fragment.diagnostics.sort();
    fragment.diagnostics.dedup();
    fragment.sources.sort();
}

#[cfg(test)]
mod tests {
    use infrawise_core::{Alias, Edge, EdgeKind, Evidence, Node, NodeId, NodeKind, NodeRef};

    use super::{edge_order, merge_duplicates, runs_in_order, sort_edges};

    /// Edges between nodes, ids that are no node here, and aliases, with
    /// duplicates, in a scrambled order.
    fn scrambled_edges() -> (Vec<Node>, Vec<Edge>) {
        let nodes: Vec<Node> = ["tf:r:a", "tf:r:c", "tf:r:c.x", "tf:r:e"]
            .iter()
            .map(|id| Node::new(*id, NodeKind::Other, *id))
            .collect();
        let ends: Vec<NodeRef> = vec![
            NodeRef::Id(NodeId::new("tf:r:a")),
            NodeRef::Id(NodeId::new("tf:r:b")),
            NodeRef::Id(NodeId::new("tf:r:c")),
            NodeRef::Id(NodeId::new("tf:r:c.x")),
            NodeRef::Id(NodeId::new("tf:r:d")),
            NodeRef::Id(NodeId::new("tf:r:e")),
            NodeRef::Id(NodeId::new("tf:s")),
            NodeRef::Id(NodeId::new("")),
            NodeRef::Alias(Alias::name(NodeKind::Queue, "orders")),
            NodeRef::Alias(Alias::name(NodeKind::Function, "orders")),
        ];
        let kinds = [EdgeKind::References, EdgeKind::DependsOn];
        let mut edges = Vec::new();
        // A fixed pseudo-random walk: every pair of ends, some twice.
        let mut state: u64 = 7;
        for round in 0..3 {
            for from in &ends {
                for to in &ends {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    if round > 0 && state >> 62 != 0 {
                        continue;
                    }
                    let kind = kinds[(state >> 40) as usize % kinds.len()];
                    let evidence = Evidence::declared("terraform", format!("e{}", edges.len()));
                    edges.push(Edge::new(from.clone(), to.clone(), kind, evidence));
                }
            }
        }
        let n = edges.len();
        for i in (1..n).rev() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            edges.swap(i, (state >> 33) as usize % (i + 1));
        }
        (nodes, edges)
    }

    #[test]
    fn ranked_sort_orders_and_merges_as_comparing_the_ends_does() {
        let (nodes, edges) = scrambled_edges();
        let mut expected = edges.clone();
        expected.sort_by(edge_order);
        merge_duplicates(&mut expected);
        assert!(expected.len() < edges.len(), "the input has duplicates");
        let mut sorted = edges;
        sort_edges(&mut sorted, &nodes);
        assert_eq!(sorted, expected);
    }

    #[test]
    fn joined_runs_are_in_order_only_when_each_starts_after_the_last() {
        let less = |a: &u32, b: &u32| a < b;
        let runs = |lists: &'static [&'static [u32]]| lists.iter().copied();
        assert!(runs_in_order(runs(&[&[1, 2], &[], &[3, 9], &[10]]), less));
        assert!(!runs_in_order(runs(&[&[1, 5], &[], &[3, 9]]), less));
        assert!(!runs_in_order(runs(&[&[1, 3], &[3, 9]]), less), "equal");
        assert!(runs_in_order(runs(&[]), less));
    }
}
