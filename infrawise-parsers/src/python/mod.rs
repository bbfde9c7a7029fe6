//! Python (`.py`): the module import graph, symbols, and what the code does
//! with infrastructure, all as inferred evidence.
//!
//! Files are parsed in parallel with tree-sitter-python; a file with syntax
//! errors keeps what the partial tree holds, plus a warning at the line of
//! the first error.
//!
//! # Nodes and edges
//!
//! - Each file is a code module `py:<path>` named by its dotted module name;
//!   functions, classes and methods are code symbols `py:<path>#<qualname>`
//!   contained in their module (methods in their class). Top-level
//!   functions carry handler aliases (`app/orders.handler`, and
//!   `app/pkg.handler` for a package's `__init__.py`), the key a Lambda's
//!   handler setting names.
//! - Imports are `imports` edges quoting what was written, marked
//!   `[type-only]` under `if TYPE_CHECKING:` and `[in function]` inside one.
//! - boto3 clients and resources (`client('sqs')`,
//!   `resource('dynamodb').Table(name)`, `resource('s3').Bucket(name)`,
//!   session clients), kept in module variables, on `self` or in locals,
//!   give edges from the innermost symbol to the resource each operation
//!   touches (see [`crate::code::operation`]); a DynamoDB query through a
//!   secondary index also reads the index. SQL strings passed to
//!   `execute`/`executemany`/`query`/`raw`/`text` give table and column
//!   edges. Names come from literals, module constants, f-strings with
//!   every part known, and environment variables (`os.environ[...]`,
//!   `.get`, `os.getenv`, and variables assigned from them); confidence
//!   follows [`crate::code`]'s table. Every environment read is a
//!   `configured_by` edge to the env-var node `env:X`.
//!
//! # Module names and resolution
//!
//! A file's module name is its path below its *source root*: the nearest
//! ancestor such that every directory between it and the file is a package
//! (has an `__init__.py`). A directory holding top-level packages is a
//! root this way, and so is the directory of a loose script or of a
//! Lambda's code (`py/jobs/common.py` with `py/jobs/__init__.py` is
//! `jobs.common`); a `src/` layout needs nothing more. Directories without
//! `__init__.py` below a root (namespace packages) keep their names.
//! `import a.b.c` depends on `a.b.c`; `from a.b import c` on `a.b.c` when
//! that is a module, else on `a.b` (grimp's rule); relative imports count
//! their dots from the importing module's package. A name resolving to no
//! scanned module is an external package `pkg:pypi:<top-level name>`,
//! unless it is part of the standard library.
//!
//! # Limits
//!
//! Values flow through module constants, `self` attributes and locals of
//! one file only; a client passed in as a parameter is not recognised.
//! Kafka, Redis and HTTP clients are not read yet. `site-packages`,
//! virtualenvs and `__pycache__` are never parsed.

mod stdlib;
mod walk;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use infrawise_core::{
    Diagnostic, Edge, EdgeKind, Evidence, Format, Fragment, Node, NodeId, NodeKind, NodeRef,
    Origin, Source,
};
use rayon::prelude::*;
use tree_sitter::Parser;

use self::walk::{FileFacts, Walker, line_of};
use crate::code::{self, confidence};

const EXTRACTOR: &str = "python";

/// Directories whose files are never parsed.
const SKIPPED_DIRS: [&str; 8] = [
    "site-packages",
    "__pycache__",
    ".tox",
    ".venv",
    "venv",
    "node_modules",
    ".git",
    ".mypy_cache",
];

/// Whether `path` is Python source by its extension.
pub fn is_source_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py")
}

fn in_skipped_dir(path: &Path) -> bool {
    path.components()
        .any(|c| SKIPPED_DIRS.iter().any(|d| c.as_os_str() == *d))
        || path
            .ancestors()
            .skip(1)
            .any(|dir| dir.join("pyvenv.cfg").is_file())
}

/// The dotted module name of `file` (see the module docs).
fn module_name(file: &Path, root: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem != "__init__" {
        parts.push(stem);
    }
    let mut dir = file.parent();
    while let Some(current) = dir {
        // The scan root itself may be a package (`scan django/`): its name
        // is part of every module name below it.
        if !current.starts_with(root) || !current.join("__init__.py").is_file() {
            break;
        }
        if let Some(name) = current.file_name() {
            parts.push(name.to_string_lossy().into_owned());
        }
        dir = current.parent();
    }
    parts.reverse();
    parts.join(".")
}

/// Parses `files` (paths under `root`) into one fragment: modules, symbols,
/// resolved imports and infrastructure use. Never fails: unreadable files
/// and syntax errors become diagnostics.
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    let mut files: Vec<PathBuf> = files
        .iter()
        .filter(|f| is_source_file(f))
        .filter(|f| !in_skipped_dir(f.strip_prefix(root).unwrap_or(f)))
        .cloned()
        .collect();
    files.sort();
    files.dedup();
    let parsed: Vec<(String, String, FileFacts, Vec<Diagnostic>)> = files
        .par_iter()
        .map_init(
            || {
                let mut parser = Parser::new();
                parser
                    .set_language(&tree_sitter_python::LANGUAGE.into())
                    .ok()
                    .map(|()| parser)
            },
            |parser, file| {
                let display = crate::display_path(file, root);
                let name = module_name(file, root);
                let (facts, diagnostics) = parse_file(parser.as_mut(), file, &display);
                (display, name, facts, diagnostics)
            },
        )
        .collect();
    let mut modules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (display, name, _, _) in &parsed {
        modules
            .entry(name.clone())
            .or_default()
            .push(display.clone());
    }
    let mut out = Fragment::new();
    let mut externals: BTreeSet<String> = BTreeSet::new();
    let mut env_vars: BTreeMap<String, (String, u32)> = BTreeMap::new();
    for (display, name, facts, diagnostics) in parsed {
        out.diagnostics.extend(diagnostics);
        emit_file(
            &mut out,
            &display,
            &name,
            facts,
            &modules,
            &mut externals,
            &mut env_vars,
        );
    }
    for package in externals {
        out.nodes.push(
            Node::new(
                format!("pkg:pypi:{package}"),
                NodeKind::ExternalPackage,
                &package,
            )
            .with_raw_type("pypi_package")
            .with_evidence(Evidence::inferred(
                EXTRACTOR,
                "imported",
                confidence::IMPORT_RESOLVED,
            )),
        );
    }
    for (variable, (display, line)) in env_vars {
        out.nodes.push(
            Node::new(code::env_var_id(&variable), NodeKind::EnvVar, &variable).with_evidence(
                Evidence::inferred(EXTRACTOR, "read", confidence::LITERAL).at(&display, Some(line)),
            ),
        );
    }
    out
}

fn parse_file(
    parser: Option<&mut Parser>,
    file: &Path,
    display: &str,
) -> (FileFacts, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(error) => {
            diagnostics.push(Diagnostic::error(
                display,
                None,
                format!("cannot read file: {}", error.to_string().to_lowercase()),
            ));
            return (FileFacts::default(), diagnostics);
        }
    };
    let Some(tree) = parser.and_then(|p| p.parse(&bytes, None)) else {
        diagnostics.push(Diagnostic::error(
            display,
            None,
            "the python grammar could not parse the file",
        ));
        return (FileFacts::default(), diagnostics);
    };
    let root = tree.root_node();
    if root.has_error() {
        let line = first_error_line(root);
        diagnostics.push(Diagnostic::warning(
            display,
            Some(line),
            "syntax error; what the rest of the file says is kept",
        ));
    }
    let mut walker = Walker::new(&bytes);
    walker.walk(root, None, None);
    let facts = walker.finish();
    for (line, message) in &facts.unfixed {
        diagnostics.push(Diagnostic::info(display, Some(*line), message.clone()));
    }
    (facts, diagnostics)
}

/// The line of the first ERROR or MISSING node, found without recursion.
fn first_error_line(root: tree_sitter::Node<'_>) -> u32 {
    let mut stack = vec![root];
    let mut best: Option<u32> = None;
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let line = line_of(node);
            best = Some(best.map_or(line, |b| b.min(line)));
            continue;
        }
        if node.has_error() {
            let mut cursor = node.walk();
            stack.extend(node.children(&mut cursor));
        }
    }
    best.unwrap_or_else(|| line_of(root))
}

/// The module an import names, resolved against the scanned modules: the
/// module ids (several when one name is two files) or the external package.
enum Target {
    Modules(Vec<String>),
    External(String),
    Skip,
}

fn resolve(name: &str, modules: &BTreeMap<String, Vec<String>>) -> Target {
    if let Some(files) = modules.get(name) {
        return Target::Modules(files.clone());
    }
    let top = name.split('.').next().unwrap_or(name);
    if top.is_empty() || stdlib::is_stdlib(top) {
        return Target::Skip;
    }
    if modules
        .keys()
        .any(|m| m == top || m.starts_with(&format!("{top}.")))
    {
        // Part of a scanned package, but no such module: the nearest
        // enclosing module that exists.
        let mut parts: Vec<&str> = name.split('.').collect();
        while parts.len() > 1 {
            parts.pop();
            if let Some(files) = modules.get(&parts.join(".")) {
                return Target::Modules(files.clone());
            }
        }
        return Target::Skip;
    }
    Target::External(top.to_owned())
}

fn module_id(display: &str) -> String {
    format!("py:{display}")
}

fn emit_file(
    out: &mut Fragment,
    display: &str,
    name: &str,
    facts: FileFacts,
    modules: &BTreeMap<String, Vec<String>>,
    externals: &mut BTreeSet<String>,
    env_vars: &mut BTreeMap<String, (String, u32)>,
) {
    let id = module_id(display);
    let at = |line: u32, detail: String, sure: f64| {
        Evidence::inferred(EXTRACTOR, detail, sure).at(display, Some(line))
    };
    out.sources
        .push(Source::new(display, Format::Python, Origin::Inferred));
    out.nodes.push(
        Node::new(&id, NodeKind::CodeModule, name)
            .with_raw_type("python_module")
            .with_evidence(at(1, "module".to_owned(), confidence::IMPORT_RESOLVED)),
    );
    let package: Vec<&str> = {
        let mut parts: Vec<&str> = name.split('.').filter(|p| !p.is_empty()).collect();
        if !display.ends_with("__init__.py") {
            parts.pop();
        }
        parts
    };
    for import in &facts.imports {
        let base = if import.level == 0 {
            import.module.clone()
        } else {
            let keep = package.len().saturating_sub(import.level - 1);
            let mut parts: Vec<&str> = package[..keep.min(package.len())].to_vec();
            if !import.module.is_empty() {
                parts.push(&import.module);
            }
            parts.join(".")
        };
        let mut names: Vec<String> = Vec::new();
        if import.names.is_empty() {
            names.push(base.clone());
        } else {
            for imported in &import.names {
                let full = if base.is_empty() {
                    imported.clone()
                } else {
                    format!("{base}.{imported}")
                };
                if modules.contains_key(&full) {
                    names.push(full);
                } else {
                    names.push(base.clone());
                }
            }
        }
        names.sort();
        names.dedup();
        for target_name in names {
            let target = match resolve(&target_name, modules) {
                Target::Modules(files) => files.into_iter().map(|f| module_id(&f)).collect(),
                Target::External(package) => {
                    let target = format!("pkg:pypi:{package}");
                    externals.insert(package);
                    vec![target]
                }
                Target::Skip => Vec::new(),
            };
            for target in target.into_iter().filter(|t| *t != id) {
                out.edges.push(Edge::new(
                    NodeId::new(&id),
                    NodeId::new(target),
                    EdgeKind::Imports,
                    at(
                        import.line,
                        import.detail.clone(),
                        confidence::IMPORT_RESOLVED,
                    ),
                ));
            }
        }
    }
    let symbol_id = |qualname: &str| format!("{id}#{qualname}");
    for symbol in &facts.symbols {
        let mut node = Node::new(
            symbol_id(&symbol.qualname),
            NodeKind::CodeSymbol,
            &symbol.qualname,
        )
        .with_raw_type(symbol.kind)
        .with_evidence(at(
            symbol.line,
            format!("defines {} {}", symbol.kind, symbol.qualname),
            confidence::IMPORT_RESOLVED,
        ));
        if symbol.top_level_function {
            for key in code::handler_keys(display, &symbol.qualname) {
                node.aliases.insert(code::handler_alias(key));
            }
        }
        out.nodes.push(node);
        let parent = symbol
            .parent
            .as_deref()
            .map_or_else(|| id.clone(), &symbol_id);
        out.edges.push(Edge::new(
            NodeId::new(parent),
            NodeId::new(symbol_id(&symbol.qualname)),
            EdgeKind::Contains,
            at(
                symbol.line,
                format!("defines {} {}", symbol.kind, symbol.qualname),
                confidence::IMPORT_RESOLVED,
            ),
        ));
    }
    let from = |scope: &Option<String>| scope.as_deref().map_or_else(|| id.clone(), &symbol_id);
    for (scope, variable, line) in &facts.env_reads {
        env_vars
            .entry(variable.clone())
            .or_insert_with(|| (display.to_owned(), *line));
        out.edges.push(Edge::new(
            NodeId::new(from(scope)),
            NodeId::new(code::env_var_id(variable)),
            EdgeKind::ConfiguredBy,
            at(
                *line,
                format!("reads os.environ {variable}"),
                confidence::LITERAL,
            ),
        ));
    }
    for used in facts.uses {
        out.edges.push(Edge::new(
            NodeId::new(from(&used.scope)),
            NodeRef::Alias(used.target),
            used.edge,
            at(used.line, used.detail, used.confidence),
        ));
    }
}
