//! Python (`.py`): the module import graph, symbols, and what the code does
//! with infrastructure, all as inferred evidence.
//!
//! Files are read in parallel. Each is first lexed (`lex`): a file that
//! names nothing infrastructure use is read from (no environment read, no
//! boto3 client, no Kafka, Redis or HTTP client beside its library's import,
//! no SQL string beside a method that runs SQL) gets its imports and
//! symbols from the lexer alone, which gives what the tree walk would give
//! several times faster. Every other file, and every file the lexer cannot
//! read the way Python's tokenizer would, is parsed with tree-sitter-python
//! and walked (`walk`); a file with syntax errors keeps what the partial
//! tree holds, plus a warning at the line of the first error. A syntax
//! error that no tokenizer sees (`x = = 1`) in a file that touches no
//! infrastructure is not reported: this is an import graph, not a linter.
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
//! A file's module name is its path below its *source root*. Roots that
//! packaging configuration declares come first: `pyproject.toml`
//! (setuptools `package-dir`/`packages.find.where`, Poetry
//! `packages[].from`, Hatch wheel `packages`, PDM `package-dir`),
//! `setup.cfg` (`package_dir`, `packages.find` `where`), `setup.py`
//! (`package_dir`, `find_packages("src")`), or a `src/` beside any of
//! them. Below a declared root every directory is part of the name,
//! `__init__.py` or not (namespace packages, PEP 420). Elsewhere the root
//! is the nearest ancestor such that every directory between it and the
//! file is a package (has an `__init__.py`): a directory holding top-level
//! packages is a root this way, and so is the directory of a loose script
//! or of a Lambda's code (`py/jobs/common.py` with `py/jobs/__init__.py`
//! is `jobs.common`).
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
//! Kafka clients (confluent-kafka, kafka-python, aiokafka) give topic
//! nodes `kafka:<topic>` with `publishes`/`consumes` edges; Redis clients
//! (`redis.Redis(host=…)`, `from_url`) and HTTP calls (`requests`,
//! `httpx` and their sessions/clients) give endpoint nodes
//! `endpoint:<scheme://host[:port]>` — the same ids the TypeScript reader
//! makes. A client imported under another name (`import httpx as h`) is not
//! recognised. `site-packages`, virtualenvs and `__pycache__` are never
//! parsed.

mod lex;
mod stdlib;
mod walk;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use infrawise_core::{
    Alias, Diagnostic, Edge, EdgeKind, Evidence, Format, Fragment, Node, NodeId, NodeKind, NodeRef,
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

/// What the scan needs to know of each directory above its files: whether
/// it is a package (holds an `__init__.py`) and whether it is a virtualenv
/// (holds a `pyvenv.cfg`). Asked of the file system once per directory,
/// not once per file and ancestor.
struct Dirs {
    packages: HashSet<PathBuf>,
    venvs: HashSet<PathBuf>,
}

impl Dirs {
    fn survey(files: &[PathBuf], root: &Path) -> Dirs {
        let mut seen: HashSet<&Path> = HashSet::new();
        for file in files {
            for dir in file.ancestors().skip(1) {
                if !dir.starts_with(root) || !seen.insert(dir) {
                    break;
                }
            }
        }
        let dirs: Vec<&Path> = seen.into_iter().collect();
        let facts: Vec<(PathBuf, bool, bool)> = dirs
            .par_iter()
            .map(|dir| {
                (
                    dir.to_path_buf(),
                    dir.join("__init__.py").is_file(),
                    dir.join("pyvenv.cfg").is_file(),
                )
            })
            .collect();
        let mut out = Dirs {
            packages: HashSet::new(),
            venvs: HashSet::new(),
        };
        for (dir, package, venv) in facts {
            if venv {
                out.venvs.insert(dir.clone());
            }
            if package {
                out.packages.insert(dir);
            }
        }
        out
    }

    /// Whether `file` sits in a directory that is never parsed: one of
    /// [`SKIPPED_DIRS`] below `root`, or a virtualenv.
    fn skipped(&self, file: &Path, root: &Path) -> bool {
        let relative = file.strip_prefix(root).unwrap_or(file);
        relative
            .components()
            .any(|c| SKIPPED_DIRS.iter().any(|d| c.as_os_str() == *d))
            || file
                .ancestors()
                .skip(1)
                .take_while(|dir| dir.starts_with(root))
                .any(|dir| self.venvs.contains(dir))
    }

    fn is_package(&self, dir: &Path) -> bool {
        self.packages.contains(dir)
    }
}

/// The source roots packaging configuration under `root` declares:
/// `pyproject.toml` (setuptools `package-dir` and `packages.find.where`,
/// Poetry `packages[].from`, Hatch wheel `packages`, PDM `package-dir`),
/// `setup.cfg` (`[options] package_dir`, `[options.packages.find] where`),
/// `setup.py` (`package_dir={"": "src"}`, `find_packages("src")`), and a
/// `src/` directory beside any of them (the layout setuptools discovers by
/// itself). Sorted longest first, so the nearest root wins.
fn source_roots(files: &[PathBuf], root: &Path) -> Vec<PathBuf> {
    let mut dirs: BTreeSet<&Path> = BTreeSet::new();
    for file in files {
        for dir in file.ancestors().skip(1) {
            if !dir.starts_with(root) || !dirs.insert(dir) {
                break;
            }
        }
    }
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    for dir in dirs {
        let mut declared: Vec<String> = Vec::new();
        let mut configured = false;
        if let Ok(text) = std::fs::read_to_string(dir.join("pyproject.toml")) {
            configured = true;
            declared.extend(pyproject_roots(&text));
        }
        if let Ok(text) = std::fs::read_to_string(dir.join("setup.cfg")) {
            configured = true;
            declared.extend(setup_cfg_roots(&text));
        }
        if let Ok(text) = std::fs::read_to_string(dir.join("setup.py")) {
            configured = true;
            declared.extend(setup_py_roots(&text));
        }
        if !configured {
            continue;
        }
        if declared.is_empty() && dir.join("src").is_dir() {
            declared.push("src".to_owned());
        }
        for relative in declared {
            let relative = relative.trim().trim_matches('/');
            let path = if relative.is_empty() || relative == "." {
                dir.to_path_buf()
            } else {
                dir.join(relative)
            };
            if path.is_dir() {
                roots.insert(path);
            }
        }
    }
    let mut roots: Vec<PathBuf> = roots.into_iter().collect();
    roots.sort_by_key(|r| std::cmp::Reverse(r.components().count()));
    roots
}

fn pyproject_roots(text: &str) -> Vec<String> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let get = |path: &[&str]| -> Option<&toml::Value> {
        let mut value: Option<&toml::Value> = None;
        let mut table = &doc;
        for (i, key) in path.iter().enumerate() {
            let next = table.get(*key)?;
            if i + 1 == path.len() {
                value = Some(next);
            } else {
                table = next.as_table()?;
            }
        }
        value
    };
    let mut out = Vec::new();
    if let Some(dir) = get(&["tool", "setuptools", "package-dir", ""]).and_then(|v| v.as_str()) {
        out.push(dir.to_owned());
    }
    if let Some(wheres) = get(&["tool", "setuptools", "packages", "find", "where"]) {
        out.extend(strings(wheres));
    }
    if let Some(packages) = get(&["tool", "poetry", "packages"]).and_then(|v| v.as_array()) {
        out.extend(
            packages
                .iter()
                .filter_map(|p| p.get("from").and_then(|f| f.as_str()).map(str::to_owned)),
        );
    }
    if let Some(packages) = get(&["tool", "hatch", "build", "targets", "wheel", "packages"]) {
        // `packages = ["src/foo"]`: the package's parent is the root.
        out.extend(strings(packages).into_iter().map(|p| {
            let p = p.trim_end_matches('/');
            p.rsplit_once('/')
                .map_or(String::new(), |(parent, _)| parent.to_owned())
        }));
    }
    if let Some(dir) = get(&["tool", "pdm", "build", "package-dir"]).and_then(|v| v.as_str()) {
        out.push(dir.to_owned());
    }
    out
}

fn strings(value: &toml::Value) -> Vec<String> {
    match value {
        toml::Value::String(s) => vec![s.clone()],
        toml::Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// `[options] package_dir = =src` (or on the next, indented line) and
/// `[options.packages.find] where = src`.
fn setup_cfg_roots(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut continuing: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            trimmed
                .trim_matches(['[', ']'])
                .trim()
                .clone_into(&mut section);
            continuing = None;
            continue;
        }
        let indented = line.starts_with([' ', '\t']) && !trimmed.is_empty();
        let (key, value) = match (indented, continuing, trimmed.split_once('=')) {
            (true, Some(key), _) => (key, trimmed),
            (false, _, Some((key, value))) => (key.trim(), value.trim()),
            _ => continue,
        };
        continuing = None;
        match (section.as_str(), key) {
            ("options", "package_dir") => {
                // `=src` maps the root package to `src`; `pkg=src/pkg` names one.
                if let Some(dir) = value.strip_prefix('=') {
                    out.push(dir.trim().to_owned());
                } else if value.is_empty() {
                    continuing = Some("package_dir");
                }
            }
            ("options.packages.find", "where") => {
                if value.is_empty() {
                    continuing = Some("where");
                } else {
                    out.push(value.to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

/// `package_dir={"": "src"}` and `find_packages("src")` /
/// `find_packages(where="src")` in a `setup.py`, read as text.
fn setup_py_roots(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let unquote = |s: &str| s.trim().trim_matches(['"', '\'']).to_owned();
    if let Some(at) = text.find("package_dir") {
        let rest = &text[at..];
        if let Some(open) = rest.find('{') {
            let body = &rest[open + 1..rest[open..].find('}').map_or(rest.len(), |c| open + c)];
            for pair in body.split(',') {
                if let Some((key, value)) = pair.split_once(':')
                    && unquote(key).is_empty()
                {
                    out.push(unquote(value));
                }
            }
        }
    }
    for call in ["find_packages(", "find_namespace_packages("] {
        if let Some(at) = text.find(call) {
            let rest = &text[at + call.len()..];
            let args = &rest[..rest.find(')').unwrap_or(0)];
            let first = args.split(',').next().unwrap_or("").trim();
            let value = first.strip_prefix("where").map_or(first, |w| {
                w.trim_start().trim_start_matches('=').trim_start()
            });
            if value.starts_with(['"', '\'']) {
                out.push(unquote(value));
            }
        }
    }
    out
}

/// The dotted module name of `file` (see the module docs): its path below
/// the nearest declared source root, else the chain of packages above it.
fn module_name(file: &Path, root: &Path, roots: &[PathBuf], dirs: &Dirs) -> String {
    if let Some(source_root) = roots.iter().find(|r| file.starts_with(r))
        && let Ok(relative) = file.strip_prefix(source_root)
    {
        let mut parts: Vec<String> = relative
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if stem != "__init__" {
            parts.push(stem);
        }
        if !parts.is_empty() {
            return parts.join(".");
        }
    }
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
        if !current.starts_with(root) || !dirs.is_package(current) {
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
    parse_with(files, root, true)
}

/// [`parse`], with the lexer's shortcut (see [`lex`]) or with every file
/// parsed by tree-sitter: the two must give the same fragment.
fn parse_with(files: &[PathBuf], root: &Path, lexer: bool) -> Fragment {
    let mut files: Vec<PathBuf> = files
        .iter()
        .filter(|f| is_source_file(f))
        .cloned()
        .collect();
    files.sort();
    files.dedup();
    let dirs = Dirs::survey(&files, root);
    files.retain(|f| !dirs.skipped(f, root));
    let roots = source_roots(&files, root);
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
                let name = module_name(file, root, &roots, &dirs);
                let (facts, diagnostics) = parse_file(parser.as_mut(), file, &display, lexer);
                (display, name, facts, diagnostics)
            },
        )
        .collect();
    let mut modules = Modules::default();
    for (display, name, _, _) in &parsed {
        modules
            .files
            .entry(name.clone())
            .or_default()
            .push(display.clone());
        modules
            .tops
            .insert(name.split('.').next().unwrap_or(name).to_owned());
    }
    // Each file's nodes and edges are made in parallel, then joined in
    // file order (the first file to read a variable places its node).
    let emitted: Vec<Emitted> = parsed
        .into_par_iter()
        .map(|(display, name, facts, diagnostics)| {
            let mut emitted = Emitted::default();
            emitted.fragment.diagnostics = diagnostics;
            emit_file(&mut emitted, &display, &name, facts, &modules);
            emitted
        })
        .collect();
    let mut out = Fragment::new();
    let mut externals: BTreeSet<String> = BTreeSet::new();
    let mut env_vars: BTreeMap<String, (String, u32)> = BTreeMap::new();
    for emitted in emitted {
        out.extend(emitted.fragment);
        externals.extend(emitted.externals);
        for (variable, at) in emitted.env_vars {
            env_vars.entry(variable).or_insert(at);
        }
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
    lexer: bool,
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
    if lexer
        && let Some(lexed) = lex::lex(&bytes)
        && !lexed.needs_tree
    {
        return (lexed.facts, diagnostics);
    }
    parse_tree(parser, &bytes, display, diagnostics)
}

/// Parses `bytes` with tree-sitter and walks the tree: what the lexer
/// leaves to the tree (see [`lex`]).
fn parse_tree(
    parser: Option<&mut Parser>,
    bytes: &[u8],
    display: &str,
    mut diagnostics: Vec<Diagnostic>,
) -> (FileFacts, Vec<Diagnostic>) {
    let Some(tree) = parser.and_then(|p| p.parse(bytes, None)) else {
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
    let mut walker = Walker::new(bytes);
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

/// The scanned modules: files per dotted name, and the top-level names.
#[derive(Default)]
struct Modules {
    files: BTreeMap<String, Vec<String>>,
    tops: BTreeSet<String>,
}

impl Modules {
    fn get(&self, name: &str) -> Option<&Vec<String>> {
        self.files.get(name)
    }
}

fn resolve(name: &str, modules: &Modules) -> Target {
    if let Some(files) = modules.get(name) {
        return Target::Modules(files.clone());
    }
    let top = name.split('.').next().unwrap_or(name);
    if top.is_empty() || stdlib::is_stdlib(top) {
        return Target::Skip;
    }
    if modules.tops.contains(top) {
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

/// What one file gives: its fragment, the external packages it imports
/// and the first read of each environment variable.
#[derive(Default)]
struct Emitted {
    fragment: Fragment,
    externals: BTreeSet<String>,
    env_vars: BTreeMap<String, (String, u32)>,
}

fn emit_file(
    emitted: &mut Emitted,
    display: &str,
    name: &str,
    facts: FileFacts,
    modules: &Modules,
) {
    let Emitted {
        fragment: out,
        externals,
        env_vars,
    } = emitted;
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
                if modules.files.contains_key(&full) {
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
    // Topics and endpoints the code names, once per file with every sighting.
    let mut defined_nodes: BTreeMap<String, Node> = BTreeMap::new();
    for used in &facts.uses {
        if let Some(defined) = &used.defines {
            let evidence = at(
                used.line,
                format!("{} {}", defined.raw_type, defined.name),
                used.confidence,
            );
            defined_nodes
                .entry(defined.id.clone())
                .or_insert_with(|| {
                    Node::new(defined.id.clone(), defined.kind, &defined.name)
                        .with_raw_type(defined.raw_type)
                        .with_alias(Alias::name(defined.kind, defined.name.clone()))
                })
                .evidence
                .push(evidence);
        }
    }
    out.nodes.extend(defined_nodes.into_values());
    for used in facts.uses {
        out.edges.push(Edge::new(
            NodeId::new(from(&used.scope)),
            NodeRef::Alias(used.target),
            used.edge,
            at(used.line, used.detail, used.confidence),
        ));
    }
}

#[cfg(test)]
mod tests {

    use super::{parse_with, pyproject_roots, setup_cfg_roots, setup_py_roots};
    use crate::test_support::{assert_same_fragment, source_files, test_roots};

    /// The scan with the lexer's shortcut gives exactly the fragment of the
    /// scan that parses every file with tree-sitter: on the repository's
    /// fixtures, and on the tree `INFRAWISE_LEX_TREE` names when it is set
    /// (a real package kept outside the repository). This is what keeps
    /// the lexer's infrastructure triggers complete.
    #[test]
    fn the_lexer_changes_nothing_in_the_fragment() {
        for root in test_roots("INFRAWISE_LEX_TREE") {
            let files = source_files(&root, super::is_source_file);
            let lexed = parse_with(&files, &root, true);
            let parsed = parse_with(&files, &root, false);
            assert_same_fragment(&root, &lexed, &parsed);
        }
    }

    #[test]
    fn packaging_configuration_names_source_roots() {
        assert_eq!(
            pyproject_roots("[tool.setuptools.package-dir]\n\"\" = \"src\"\n"),
            ["src"]
        );
        assert_eq!(
            pyproject_roots("[tool.setuptools.packages.find]\nwhere = [\"lib\", \"extra\"]\n"),
            ["lib", "extra"]
        );
        assert_eq!(
            pyproject_roots("[tool.poetry]\npackages = [{ include = \"app\", from = \"src\" }]\n"),
            ["src"]
        );
        assert_eq!(
            pyproject_roots("[tool.hatch.build.targets.wheel]\npackages = [\"src/app\"]\n"),
            ["src"]
        );
        assert!(pyproject_roots("not toml [").is_empty());
        assert_eq!(setup_cfg_roots("[options]\npackage_dir = =src\n"), ["src"]);
        assert_eq!(
            setup_cfg_roots(
                "[options]\npackage_dir =\n    =lib\n[options.packages.find]\nwhere = lib\n"
            ),
            ["lib", "lib"]
        );
        assert_eq!(
            setup_py_roots(
                "setup(package_dir={\"\": \"src\"}, packages=find_packages(where=\"src\"))"
            ),
            ["src", "src"]
        );
        assert_eq!(
            setup_py_roots("setup(packages=find_packages())"),
            Vec::<String>::new()
        );
    }
}
