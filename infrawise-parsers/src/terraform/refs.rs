//! Finding references in expressions: every traversal that names a
//! resource, data source, module, variable or local, wherever it sits
//! (function arguments, templates, heredocs, for-expressions, conditionals).

use hcl::edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl::edit::template::{Directive, Element, Template};
use hcl::edit::{Decorated, Span as _};

/// What a reference names, borrowed from the syntax tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Target<'a> {
    Resource {
        kind: &'a str,
        name: &'a str,
    },
    Data {
        kind: &'a str,
        name: &'a str,
    },
    Module {
        name: &'a str,
        output: Option<&'a str>,
    },
    Var(&'a str),
    Local(&'a str),
}

/// One reference found in an expression.
#[derive(Clone, Debug)]
pub(crate) struct Reference<'a> {
    pub(crate) target: Target<'a>,
    /// The attribute path below the walked expression (`variables.QUEUE_URL`).
    pub(crate) path: String,
    /// The instance key, when the reference indexes a resource or module.
    pub(crate) index: Option<&'a Expression>,
    /// Where the reference is, in bytes of its parsed piece.
    pub(crate) span: Option<std::ops::Range<usize>>,
}

/// Names that are never references to other blocks.
const BUILTIN: &[&str] = &["each", "count", "self", "path", "terraform"];

/// Collects the references in `expr`, with `bound` names (dynamic block
/// iterators) excluded and attribute paths starting at `path`.
pub(crate) fn collect<'a>(expr: &'a Expression, bound: &[&str], path: &str) -> Vec<Reference<'a>> {
    let mut walker = Walker {
        bound: bound.to_vec(),
        out: Vec::new(),
    };
    walker.expr(expr, path);
    walker.out
}

struct Walker<'a, 'b> {
    bound: Vec<&'b str>,
    out: Vec<Reference<'a>>,
}

fn get_attr(op: Option<&Decorated<TraversalOperator>>) -> Option<&str> {
    match op?.value() {
        TraversalOperator::GetAttr(name) => Some(name.value().as_str()),
        _ => None,
    }
}

fn index_expr(op: Option<&Decorated<TraversalOperator>>) -> Option<&Expression> {
    match op?.value() {
        TraversalOperator::Index(expr) => Some(expr),
        _ => None,
    }
}

/// Whether the operator is an index (`[0]`, `["k"]`, `.0`) or splat.
fn is_index(op: Option<&Decorated<TraversalOperator>>) -> bool {
    op.is_some_and(|op| !matches!(op.value(), TraversalOperator::GetAttr(_)))
}

impl<'a: 'b, 'b> Walker<'a, 'b> {
    fn traversal(
        &mut self,
        root: &'a str,
        ops: &'a [Decorated<TraversalOperator>],
        path: &str,
        span: Option<std::ops::Range<usize>>,
    ) {
        if self.bound.contains(&root) || BUILTIN.contains(&root) {
            return;
        }
        let first = get_attr(ops.first());
        let (target, index) = match (root, first) {
            ("var", Some(name)) => (Target::Var(name), None),
            ("local", Some(name)) => (Target::Local(name), None),
            ("module", Some(name)) => {
                let (index, skip) = if is_index(ops.get(1)) {
                    (index_expr(ops.get(1)), 2)
                } else {
                    (None, 1)
                };
                let output = get_attr(ops.get(skip));
                (Target::Module { name, output }, index)
            }
            ("data", Some(kind)) => match get_attr(ops.get(1)) {
                Some(name) => {
                    let index = if is_index(ops.get(2)) {
                        index_expr(ops.get(2))
                    } else {
                        None
                    };
                    (Target::Data { kind, name }, index)
                }
                None => return,
            },
            (kind, Some(name)) if kind.contains('_') => {
                let index = if is_index(ops.get(1)) {
                    index_expr(ops.get(1))
                } else {
                    None
                };
                (Target::Resource { kind, name }, index)
            }
            _ => return,
        };
        self.out.push(Reference {
            target,
            path: path.to_owned(),
            index,
            span,
        });
    }

    fn ops(&mut self, ops: &'a [Decorated<TraversalOperator>], path: &str) {
        for op in ops {
            if let TraversalOperator::Index(index) = op.value() {
                self.expr(index, path);
            }
        }
    }

    pub(crate) fn expr(&mut self, expr: &'a Expression, path: &str) {
        match expr {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_)
            | Expression::Variable(_) => {}
            Expression::Array(items) => items.iter().for_each(|e| self.expr(e, path)),
            Expression::Object(object) => {
                for (key, value) in object {
                    let name = match key {
                        ObjectKey::Ident(ident) => Some(ident.value().as_str()),
                        ObjectKey::Expression(Expression::String(s)) => Some(s.value().as_str()),
                        ObjectKey::Expression(e) => {
                            self.expr(e, path);
                            None
                        }
                    };
                    match name {
                        Some(name) => {
                            let child = join(path, name);
                            self.expr(value.expr(), &child);
                        }
                        None => self.expr(value.expr(), path),
                    }
                }
            }
            Expression::StringTemplate(template) => self.template(template, path),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template, path),
            Expression::Parenthesis(inner) => self.expr(inner.inner(), path),
            Expression::Conditional(cond) => {
                self.expr(&cond.cond_expr, path);
                self.expr(&cond.true_expr, path);
                self.expr(&cond.false_expr, path);
            }
            Expression::FuncCall(call) => {
                // By position: the arguments' own iterator is boxed.
                for i in 0..call.args.len() {
                    if let Some(arg) = call.args.get(i) {
                        self.expr(arg, path);
                    }
                }
            }
            Expression::Traversal(traversal) => {
                match &traversal.expr {
                    Expression::Variable(root) => {
                        self.traversal(
                            root.value().as_str(),
                            &traversal.operators,
                            path,
                            traversal.span(),
                        );
                    }
                    other => self.expr(other, path),
                }
                self.ops(&traversal.operators, path);
            }
            Expression::UnaryOp(op) => self.expr(&op.expr, path),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr, path);
                self.expr(&op.rhs_expr, path);
            }
            Expression::ForExpr(for_expr) => {
                self.expr(&for_expr.intro.collection_expr, path);
                let mark = self.bound.len();
                if let Some(key) = &for_expr.intro.key_var {
                    self.bound.push(key.value().as_str());
                }
                self.bound.push(for_expr.intro.value_var.value().as_str());
                if let Some(key) = &for_expr.key_expr {
                    self.expr(key, path);
                }
                self.expr(&for_expr.value_expr, path);
                if let Some(cond) = &for_expr.cond {
                    self.expr(&cond.expr, path);
                }
                self.bound.truncate(mark);
            }
        }
    }

    fn template(&mut self, template: &'a Template, path: &str) {
        for element in template {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(interp) => self.expr(&interp.expr, path),
                Element::Directive(directive) => match &**directive {
                    Directive::If(dir) => {
                        self.expr(&dir.if_expr.cond_expr, path);
                        self.template(&dir.if_expr.template, path);
                        if let Some(else_expr) = &dir.else_expr {
                            self.template(&else_expr.template, path);
                        }
                    }
                    Directive::For(dir) => {
                        self.expr(&dir.for_expr.collection_expr, path);
                        let mark = self.bound.len();
                        if let Some(key) = &dir.for_expr.key_var {
                            self.bound.push(key.value().as_str());
                        }
                        self.bound.push(dir.for_expr.value_var.value().as_str());
                        self.template(&dir.for_expr.template, path);
                        self.bound.truncate(mark);
                    }
                },
            }
        }
    }
}

/// Joins attribute path segments with dots.
pub(crate) fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        [path, ".", name].concat()
    }
}
