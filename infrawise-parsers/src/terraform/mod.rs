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
use std::sync::{LazyLock, Mutex, PoisonError};

use hcl::edit::expr::Expression;
use hcl::edit::structure::Block;
use infrawise_core::{
    Diagnostic, Edge, Format, Fragment, Origin, Source, Text, normalize_evidence,
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
    let (mut fragment, syntax) = evaluate(files, root);
    rayon::join(|| link(&mut fragment), || syntax.free());
    fragment
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
    let (mut fragment, syntax) = evaluate(files, root);
    link(&mut fragment);
    (fragment, syntax)
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

/// Parses and evaluates every root module: the fragment before it is
/// linked and sorted, and the trees it was read from.
fn evaluate(files: &[PathBuf], root: &Path) -> (Fragment, Syntax) {
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
    // Files are parsed one per task, not one directory per task: a
    // module's files differ in size by orders of magnitude.
    let jobs: Vec<(&PathBuf, &PathBuf)> = by_dir
        .iter_mut()
        .flat_map(|(dir, paths)| {
            paths.sort();
            paths.iter().map(move |path| (&*dir, path))
        })
        .collect();
    let parsed: Vec<(&PathBuf, Option<SourceFile>, Vec<Diagnostic>)> = jobs
        .into_par_iter()
        .map(|(dir, path)| {
            let mut diagnostics = Vec::new();
            let file = load::read_file(path, root, &mut diagnostics);
            (dir, file, diagnostics)
        })
        .collect();
    let mut grouped: BTreeMap<PathBuf, ModuleFiles> = BTreeMap::new();
    for (dir, file, diagnostics) in parsed {
        fragment.diagnostics.extend(diagnostics);
        let files = grouped.entry(dir.clone()).or_insert_with(|| ModuleFiles {
            dir: dir.clone(),
            display: crate::display_path(dir, root),
            files: Vec::new(),
        });
        files.files.extend(file);
    }
    let modules = grouped;
    let called = called_dirs(&modules);
    // What every module directory's syntax says, worked out once for all
    // the instances of every root.
    let analyses: BTreeMap<PathBuf, Analysis<'_>> = modules
        .par_iter()
        .map(|(dir, files)| (dir.clone(), Analysis::build(files)))
        .collect();
    // Roots differ in cost by an order of magnitude (a test root that
    // calls the main module twice, one that calls nothing), so they are
    // taken largest first by whichever thread is free: a root started last
    // on a busy thread would otherwise set the scan's length.
    let mut roots: Vec<(usize, &PathBuf)> = {
        let mut costs = HashMap::default();
        modules
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
    roots.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Fragment>> = Mutex::new(Vec::with_capacity(roots.len()));
    rayon::scope(|scope| {
        for _ in 0..rayon::current_num_threads().min(roots.len()) {
            scope.spawn(|_| {
                while let Some(&(_, dir)) = roots.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let tfvars = tfvars.get(dir).map(Vec::as_slice).unwrap_or_default();
                    let result = evaluate_root(dir, root, &analyses, tfvars);
                    done.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(result);
                }
            });
        }
    });
    // Every id of a root starts `tf:<root>:`, so in the order of their
    // first ids each root's sorted run follows the one before it, and the
    // final sort finds one run rather than merging eleven.
    let mut results = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    results.sort_by(|a, b| {
        let (a, b) = (a.nodes.first(), b.nodes.first());
        a.map(|n| &n.id).cmp(&b.map(|n| &n.id))
    });
    for result in results {
        fragment.extend(result);
    }
    drop(analyses);
    (fragment, Syntax(modules))
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

/// Directories some scanned module calls as a local `source`.
fn called_dirs(modules: &BTreeMap<PathBuf, ModuleFiles>) -> BTreeSet<PathBuf> {
    let mut called = BTreeSet::new();
    for (dir, files) in modules {
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

/// What evaluating `dir` as a root costs, roughly: the bytes of its files
/// plus, for every call of a scanned local module, that module's cost. A
/// module's cost is worked out once (`costs`); a call back into a module
/// on the way (`stack`, a cycle), or nested deeper than evaluation
/// follows, adds nothing.
fn estimated_cost(
    dir: &Path,
    analyses: &BTreeMap<PathBuf, Analysis<'_>>,
    costs: &mut HashMap<PathBuf, usize>,
    stack: &mut Vec<PathBuf>,
) -> usize {
    if let Some(&cost) = costs.get(dir) {
        return cost;
    }
    let Some(module) = analyses.get(dir) else {
        return 0;
    };
    // A cycle adds nothing; nesting stops where evaluation stops following.
    if stack.iter().any(|d| d == dir) || stack.len() >= MAX_MODULE_DEPTH {
        return 0;
    }
    stack.push(dir.to_path_buf());
    let mut cost: usize = module.files.files.iter().map(|f| f.text.len()).sum();
    for b in module.index.modules.values() {
        if let Some(target) = local_call_target(dir, b.block) {
            cost = cost.saturating_add(estimated_cost(&target, analyses, costs, stack));
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
) -> Fragment {
    let Some(syntax) = analyses.get(dir) else {
        return Fragment::new();
    };
    let display = crate::display_path(dir, root);
    let scan = Scan::new(root, display.clone(), analyses);
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
/// which needs every root's nodes, then finishes the scan's fragment.
fn link(fragment: &mut Fragment) {
    handlers::link(fragment);
    finish(fragment);
}

/// Merges duplicate edges and sorts everything, so output is stable.
///
/// The whole scan's fragment is joined from roots' fragments that this
/// finished already, in order, so it is mostly checked, not sorted, and
/// merged in place: moving every edge into a new list cost more than the
/// checks.
fn finish(fragment: &mut Fragment) {
    let edges = &mut fragment.edges;
    let order = |a: &Edge, b: &Edge| (&a.from, &a.to, a.kind).cmp(&(&b.from, &b.to, b.kind));
    if !edges.is_sorted_by(|a, b| order(a, b).is_le()) {
        edges.sort_by(order);
    }
    edges.dedup_by(|next, kept| {
        let same = order(kept, next).is_eq();
        if same {
            kept.evidence.append(&mut next.evidence);
        }
        same
    });
    // One piece of evidence is already in normal form.
    for edge in edges.iter_mut().filter(|edge| edge.evidence.len() > 1) {
        normalize_evidence(&mut edge.evidence);
    }
    if !fragment.nodes.is_sorted_by(|a, b| a.id <= b.id) {
        fragment.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    }
    fragment.nodes.dedup_by(|a, b| a.id == b.id);
    fragment.diagnostics.sort();
    fragment.diagnostics.dedup();
    fragment.sources.sort();
}
