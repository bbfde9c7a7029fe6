//! Imports as written: ESM imports and re-exports, `import x = require()`,
//! `require()` and `import()` with a literal, each with a detail that says
//! what was written and marks type-only, dynamic and in-function imports.

use tree_sitter::Node as SyntaxNode;

use super::extract::{
    RawImport, Walker, first_argument, is_type_star_export, line_of, named_child_of_kind,
};
use super::values::string_text;

impl Walker<'_> {
    pub(crate) fn import_statement(&mut self, node: SyntaxNode<'_>) {
        let clause_require = named_child_of_kind(node, "import_require_clause");
        let source = node
            .child_by_field_name("source")
            .or_else(|| clause_require.and_then(|c| c.child_by_field_name("source")))
            .and_then(|s| string_text(s, self.src));
        let Some(spec) = source else { return };
        let type_only = has_token(node, "type")
            || named_child_of_kind(node, "import_clause").is_some_and(|clause| {
                // `import {type A, type B} from` is type-only when every name is.
                let specifiers = descendants_of_kind(clause, "import_specifier");
                !specifiers.is_empty()
                    && named_child_of_kind(clause, "identifier").is_none()
                    && specifiers.iter().all(|s| has_token(*s, "type"))
            });
        let mut detail = compact(self.text(node));
        if type_only {
            detail.push_str(" [type-only]");
        }
        if self.function_depth > 0 {
            detail.push_str(" [in function]");
        }
        self.push_import(spec, detail, node);
    }

    pub(crate) fn reexport(&mut self, node: SyntaxNode<'_>) {
        let Some(spec) = node
            .child_by_field_name("source")
            .and_then(|s| string_text(s, self.src))
        else {
            return;
        };
        let mut detail = compact(self.text(node));
        let type_star =
            named_child_of_kind(node, "ERROR").is_some_and(|e| is_type_star_export(e, self.src));
        if has_token(node, "type") || type_star {
            detail.push_str(" [type-only]");
        }
        self.push_import(spec, detail, node);
    }

    pub(crate) fn push_import(&mut self, spec: String, detail: String, node: SyntaxNode<'_>) {
        self.facts.imports.push(RawImport {
            spec,
            detail,
            line: line_of(node),
        });
    }

    /// `require('x')` and `import('x')` with a literal.
    pub(crate) fn dynamic_import(
        &mut self,
        call: SyntaxNode<'_>,
        function: SyntaxNode<'_>,
    ) -> bool {
        let is_import = function.kind() == "import";
        let is_require = function.kind() == "identifier" && self.text(function) == "require";
        if !is_import && !is_require {
            return false;
        }
        let Some(spec) = call
            .child_by_field_name("arguments")
            .and_then(first_argument)
            .and_then(|a| string_text(a, self.src))
        else {
            return true;
        };
        let mut detail = if is_import {
            format!("import('{spec}') [dynamic]")
        } else {
            format!("require('{spec}')")
        };
        if self.function_depth > 0 {
            detail.push_str(" [in function]");
        }
        self.push_import(spec, detail, call);
        true
    }
}

fn descendants_of_kind<'t>(node: SyntaxNode<'t>, kind: &str) -> Vec<SyntaxNode<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        if current.kind() == kind {
            out.push(current);
            continue;
        }
        let mut cursor = current.walk();
        stack.extend(current.named_children(&mut cursor));
    }
    out
}

/// Whether `node` has a direct anonymous child token `token` (`type`).
fn has_token(node: SyntaxNode<'_>, token: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .any(|c| !c.is_named() && c.kind() == token)
}

/// Statement text on one line, whitespace collapsed, cut to 120 characters.
fn compact(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.ends_with(';') {
        out.pop();
    }
    if out.chars().count() > 120 {
        out = out.chars().take(117).collect::<String>() + "...";
    }
    out
}
