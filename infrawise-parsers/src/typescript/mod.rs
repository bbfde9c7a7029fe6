//! TypeScript and JavaScript (`.ts .tsx .mts .cts .js .jsx .mjs .cjs`):
//! the module import graph, symbols, and what the code does with
//! infrastructure, all as inferred evidence.
//!
//! Files are parsed in parallel with tree-sitter (the TypeScript grammar
//! for `.ts`/`.mts`/`.cts`, the TSX grammar, a superset of JavaScript with
//! JSX, for the rest). A file with syntax errors still gives what the
//! partial tree holds, plus a warning at the line of the first error.
//! In a `.ts`/`.mts`/`.cts` file, the bodies of top-level named functions,
//! of top-level function-valued consts and of the methods of top-level
//! named classes are blanked before parsing when nothing in them can give
//! the walker anything (`blank`): the tree is the same outside them, and
//! tree-sitter skips most of the bytes. A syntax error inside such a body
//! is then not reported.
//!
//! # Nodes and edges
//!
//! - Each file is a code module `ts:<path>` (raw type `typescript_module` or
//!   `javascript_module`). Functions, classes, methods and top-level
//!   function-valued consts are code symbols `ts:<path>#<name>`
//!   (`#Class.method`), contained in their module or class. Exported
//!   top-level functions (`export function`, `export const f = () => …`,
//!   `exports.f = …`, `module.exports = { f }`) carry handler aliases
//!   (`src/orders.handler`), the key a Lambda's `handler` setting names.
//! - Imports are `imports` edges from the module, the detail quoting what
//!   was written and marking `[type-only]` (`import type`, `export type`,
//!   every named import `type`), `[dynamic]` (`import('x')`) and
//!   `[in function]` (a `require` or `import()` inside a function).
//!   Covered forms: `import … from`, side-effect imports, `export * from`,
//!   `export {a} from`, `import x = require()`, `require()` and `import()`
//!   with a string literal.
//! - Infrastructure use starts at the innermost symbol (else the module):
//!   AWS SDK v3 commands (`new SendMessageCommand({QueueUrl})`, the
//!   `@aws-sdk/lib-dynamodb` document commands) and aggregated clients,
//!   SDK v2 (`new AWS.SQS().sendMessage({…})`, `DocumentClient`), kafkajs
//!   producers and consumers, ioredis/node-redis clients, `fetch`, axios and
//!   got, and SQL strings passed to `query`/`execute`/`raw`/`$queryRaw`…
//!   Names come from literals, module constants, templates with every part
//!   known, `process.env.X` / `process.env["X"]` / `const {X} = process.env`
//!   and locals assigned from them; confidence follows
//!   [`crate::code`]'s table. Every environment read is a
//!   `configured_by` edge to the env-var node `env:X`.
//!
//! # Resolution
//!
//! Specifiers resolve against the scanned files only, the way TypeScript's
//! `bundler` resolution does:
//!
//! 1. Relative and absolute paths: the path itself; a `.js`/`.jsx`/`.mjs`/
//!    `.cjs` specifier also names its `.ts`/`.tsx`/`.mts`/`.cts` source
//!    (and `.d.ts`); then each of `.ts .tsx .d.ts .js .jsx .mts .cts .mjs
//!    .cjs` appended; then `index` with each extension.
//! 2. Bare specifiers: the nearest `tsconfig.json` (or `jsconfig.json`)
//!    above the importing file, with its `extends` chain (relative files and
//!    packages of the tree; comments and trailing commas allowed): `paths`
//!    (the pattern with the longest prefix wins, substitutions in order),
//!    then `baseUrl`.
//! 3. Workspace packages: members of npm/yarn `workspaces` (array or
//!    `{packages: […]}`) and `pnpm-workspace.yaml`, by `name`: `exports`
//!    (strings, subpath patterns, conditions preferring `types`, `import`,
//!    `module`, `node`, `require`, `default`), else `types`/`module`/`main`,
//!    else `index`. An entry naming a build output absent from the tree
//!    (`dist/x.js`) falls back to the same path under `src/`.
//! 4. Node built-ins (`fs`, `node:path`) are dropped; any other bare
//!    specifier becomes an external package `pkg:npm:<name>` (`@scope/name`
//!    whole, subpath stripped).
//!
//! # Limits
//!
//! Values flow only through constants and locals of one file; a client
//! passed in as a parameter or built by a factory in another module is not
//! recognised. `node_modules` is never read, so packages installed there
//! stay external. Non-code imports (`.json`, `.css`) give no edge.

mod blank;
mod config;
mod extract;
mod imports;
mod infra;
mod resolve;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infrawise_core::{
    Diagnostic, Edge, EdgeKind, Evidence, Format, Fragment, Node, NodeId, NodeKind, NodeRef,
    Origin, Source, normalize_evidence,
};
use rayon::prelude::*;
use tree_sitter::Parser;

use self::extract::{EXTRACTOR, FileFacts, Walker, line_of};
use self::resolve::{Resolved, Resolver, normalize};
use crate::code;

/// The file extensions this module reads.
pub const EXTENSIONS: [&str; 8] = ["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

/// Directories whose files are never parsed: installed dependencies,
/// version control and build caches.
const SKIPPED_DIRS: [&str; 7] = [
    "node_modules",
    ".git",
    "site-packages",
    "__pycache__",
    ".tox",
    ".venv",
    "venv",
];

/// Whether `path` is a TypeScript or JavaScript source by its extension.
pub fn is_source_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e))
}

/// Whether `path` sits in a directory that is never parsed (`node_modules`, …).
fn in_skipped_dir(path: &Path) -> bool {
    path.components()
        .any(|c| SKIPPED_DIRS.iter().any(|d| c.as_os_str() == *d))
}

/// Whether the TypeScript grammar (not TSX) reads `path`: `.ts`, `.mts`,
/// `.cts`, where `<T>x` is a type assertion, not JSX.
fn uses_typescript_grammar(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "ts" | "mts" | "cts"))
}

/// Parses `files` (paths under `root`) into one fragment: modules, symbols,
/// resolved imports and infrastructure use. Never fails: unreadable files
/// and syntax errors become diagnostics.
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    parse_with(files, root, true)
}

/// [`parse`], with or without blanking the bodies of top-level symbols in
/// files that touch no infrastructure (see [`blank`]): the two must give
/// the same fragment.
fn parse_with(files: &[PathBuf], root: &Path, blank: bool) -> Fragment {
    let root = normalize(root);
    let mut files: Vec<PathBuf> = files
        .iter()
        .map(|f| normalize(f))
        .filter(|f| !in_skipped_dir(f.strip_prefix(&root).unwrap_or(f)))
        .collect();
    files.sort();
    files.dedup();
    let parsed: Vec<(PathBuf, String, FileFacts)> = files
        .par_iter()
        .map_init(
            || Parsers::new(blank),
            |parsers, file| {
                let display = crate::display_path(file, &root);
                let facts = parsers.parse_file(file, &display);
                (file.clone(), display, facts)
            },
        )
        .collect();
    let resolver = Resolver::new(&files, &root);
    let targets: Vec<Vec<Resolved>> = parsed
        .par_iter()
        .map(|(file, _, facts)| {
            facts
                .imports
                .iter()
                .map(|import| resolver.resolve(file, &import.spec))
                .collect()
        })
        .collect();
    assemble(parsed, &targets, &root)
}

/// One tree-sitter parser per grammar, reused across the files of a thread.
struct Parsers {
    typescript: Option<Parser>,
    tsx: Option<Parser>,
    /// Whether bodies may be blanked (see [`blank`]).
    blank: bool,
}

impl Parsers {
    fn new(blank: bool) -> Self {
        let make = |language: &tree_sitter::Language| {
            let mut parser = Parser::new();
            parser.set_language(language).ok().map(|()| parser)
        };
        Parsers {
            typescript: make(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()),
            tsx: make(&tree_sitter_typescript::LANGUAGE_TSX.into()),
            blank,
        }
    }

    fn parse_file(&mut self, file: &Path, display: &str) -> FileFacts {
        let module_id = module_id(display);
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(error) => {
                let mut facts = FileFacts::default();
                facts.diagnostics.push(Diagnostic::error(
                    display,
                    None,
                    format!("cannot read file: {}", error.to_string().to_lowercase()),
                ));
                return facts;
            }
        };
        let typescript = uses_typescript_grammar(file);
        let parser = if typescript {
            self.typescript.as_mut()
        } else {
            self.tsx.as_mut()
        };
        let Some(parser) = parser else {
            return no_tree(display);
        };
        // A file that touches no infrastructure is parsed with the bodies of
        // its top-level symbols blanked, unless that text has an error.
        let blanked = if self.blank && typescript {
            blank::blank_bodies(&bytes)
        } else {
            None
        };
        if let Some(blanked) = blanked
            && let Some(tree) = parser.parse(&blanked, None)
            && !tree.root_node().has_error()
        {
            return Walker::run(tree.root_node(), &blanked, display, &module_id);
        }
        let Some(tree) = parser.parse(&bytes, None) else {
            return no_tree(display);
        };
        let root = tree.root_node();
        let mut facts = Walker::run(root, &bytes, display, &module_id);
        if root.has_error()
            && let Some(error) = first_error(root, &bytes)
        {
            facts.diagnostics.push(Diagnostic::warning(
                display,
                Some(line_of(error)),
                "syntax error; what the partial tree holds was kept",
            ));
        }
        facts
    }
}

/// The facts of a file tree-sitter gave no tree for: an error saying so.
fn no_tree(display: &str) -> FileFacts {
    let mut facts = FileFacts::default();
    facts.diagnostics.push(Diagnostic::error(
        display,
        None,
        "the parser gave no syntax tree",
    ));
    facts
}

/// The first ERROR or MISSING node, in document order, other than the
/// ones [`extract::is_type_star_export`] accepts (TypeScript 5's
/// `export type * from`, which the grammar does not know yet).
fn first_error<'t>(root: tree_sitter::Node<'t>, src: &[u8]) -> Option<tree_sitter::Node<'t>> {
    // An explicit stack: trees of adversarial input can be deeper than the thread stack.
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if extract::is_type_star_export(node, src) {
            continue;
        }
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        let mut cursor = node.walk();
        let children: Vec<_> = node
            .children(&mut cursor)
            .filter(|c| c.has_error() || c.is_missing())
            .collect();
        stack.extend(children.into_iter().rev());
    }
    None
}

fn module_id(display: &str) -> String {
    format!("ts:{display}")
}

/// Builds the fragment: module nodes, every file's facts, resolved import
/// edges and one node per external package; duplicates merged, sorted.
fn assemble(
    parsed: Vec<(PathBuf, String, FileFacts)>,
    resolved: &[Vec<Resolved>],
    root: &Path,
) -> Fragment {
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    let mut edges: BTreeMap<(NodeRef, NodeRef, EdgeKind), Vec<Evidence>> = BTreeMap::new();
    let mut fragment = Fragment::new();
    let add_node =
        |nodes: &mut BTreeMap<String, Node>, node: Node| match nodes.get_mut(node.id.as_str()) {
            Some(existing) => {
                existing.aliases.extend(node.aliases);
                existing.evidence.extend(node.evidence);
            }
            None => {
                nodes.insert(node.id.to_string(), node);
            }
        };
    for ((file, display, facts), targets) in parsed.into_iter().zip(resolved) {
        let id = module_id(&display);
        let javascript =
            !uses_typescript_grammar(&file) && file.extension().is_none_or(|e| e != "tsx");
        let raw_type = if javascript {
            "javascript_module"
        } else {
            "typescript_module"
        };
        fragment
            .sources
            .push(Source::new(&display, Format::TypeScript, Origin::Inferred));
        add_node(
            &mut nodes,
            Node::new(&id, NodeKind::CodeModule, &display)
                .with_raw_type(raw_type)
                .with_evidence(
                    Evidence::inferred(EXTRACTOR, "source file", 1.0).at(&display, None),
                ),
        );
        for (import, target) in facts.imports.iter().zip(targets) {
            let to = match target {
                Resolved::File(path) => module_id(&crate::display_path(path, root)),
                Resolved::Package(name) => {
                    let package_id = format!("pkg:npm:{name}");
                    add_node(
                        &mut nodes,
                        Node::new(&package_id, NodeKind::ExternalPackage, name)
                            .with_raw_type("npm_package")
                            .with_evidence(
                                Evidence::inferred(
                                    EXTRACTOR,
                                    format!("imported as '{}'", import.spec),
                                    1.0,
                                )
                                .at(&display, Some(import.line)),
                            ),
                    );
                    package_id
                }
                Resolved::Builtin => continue,
                Resolved::Unresolved => {
                    if is_code_specifier(&import.spec) {
                        fragment.diagnostics.push(Diagnostic::info(
                            &display,
                            Some(import.line),
                            format!("import '{}' resolves to no file of the tree", import.spec),
                        ));
                    }
                    continue;
                }
            };
            edges
                .entry((
                    NodeRef::Id(NodeId::new(&id)),
                    NodeRef::Id(NodeId::new(to)),
                    EdgeKind::Imports,
                ))
                .or_default()
                .push(
                    Evidence::inferred(
                        EXTRACTOR,
                        &import.detail,
                        code::confidence::IMPORT_RESOLVED,
                    )
                    .at(&display, Some(import.line)),
                );
        }
        for node in facts.nodes {
            add_node(&mut nodes, node);
        }
        for edge in facts.edges {
            edges
                .entry((edge.from, edge.to, edge.kind))
                .or_default()
                .extend(edge.evidence);
        }
        fragment.diagnostics.extend(facts.diagnostics);
    }
    fragment.nodes = nodes
        .into_values()
        .map(|mut node| {
            normalize_evidence(&mut node.evidence);
            node
        })
        .collect();
    fragment.edges = edges
        .into_iter()
        .map(|((from, to, kind), mut evidence)| {
            normalize_evidence(&mut evidence);
            Edge {
                from,
                to,
                kind,
                evidence,
            }
        })
        .collect();
    fragment.sources.sort();
    fragment.diagnostics.sort();
    fragment.diagnostics.dedup();
    fragment
}

/// Whether an unresolved specifier was meant to be code (not `./styles.css`
/// or `./data.json`), so that its absence deserves a note.
fn is_code_specifier(spec: &str) -> bool {
    let last = spec.rsplit('/').next().unwrap_or(spec);
    match last.rsplit_once('.') {
        Some((_, extension)) => EXTENSIONS.contains(&extension) || extension.is_empty(),
        None => true,
    }
}

#[cfg(test)]
mod tests {

    use super::{is_source_file, parse_with};
    use crate::test_support::{assert_same_fragment, source_files, test_roots};

    /// Blanking bodies changes nothing in the fragment of files tree-sitter
    /// parses without error: on the repository's fixtures, and on the tree
    /// `INFRAWISE_BLANK_TREE` names when it is set (a real TypeScript tree
    /// kept outside the repository). A file with a syntax error inside a
    /// blanked body parses cleanly once blanked, and keeps more than its
    /// partial tree did: that difference is the documented one.
    #[test]
    fn blanking_bodies_changes_nothing_in_the_fragment() {
        for root in test_roots("INFRAWISE_BLANK_TREE") {
            let mut files = source_files(&root, is_source_file);
            let broken: Vec<String> = parse_with(&files, &root, false)
                .diagnostics
                .iter()
                .filter(|d| d.message.starts_with("syntax error"))
                .map(|d| d.path.clone())
                .collect();
            let normal_root = super::normalize(&root);
            files.retain(|f| {
                !broken.contains(&crate::display_path(&super::normalize(f), &normal_root))
            });
            let blanked = parse_with(&files, &root, true);
            let written = parse_with(&files, &root, false);
            assert_same_fragment(&root, &blanked, &written);
        }
    }
}
