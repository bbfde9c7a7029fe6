//! Static evaluation of HCL expressions over hcl-edit's syntax tree.
//!
//! Names the evaluator cannot bind itself (`var.x`, `local.y`,
//! `aws_sqs_queue.q.name`, `module.m.out`) go to a [`Resolver`]; anything
//! that cannot be worked out becomes [`Value::Unknown`], never a guess.

use std::collections::BTreeMap;

use hcl::edit::Decorated;
use hcl::edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl::edit::template::{Directive, Element, Template};

use super::functions;
use super::value::Value;

/// How deep expressions may nest (through locals and references) before
/// evaluation gives up with an unknown; guards against cycles and
/// pathological input.
const MAX_DEPTH: usize = 64;

/// Resolves the names of a module: variables, locals, resources, modules.
pub(crate) trait Resolver {
    /// Resolves a traversal rooted at `root` with operators `ops`. Returns
    /// the value and how many operators it consumed; the evaluator applies
    /// the rest.
    fn resolve(
        &self,
        root: &str,
        ops: &[Decorated<TraversalOperator>],
        evaluator: &mut Evaluator<'_>,
    ) -> (Value, usize);

    /// The directory that relative file paths (templatefile, file) are read from.
    fn base_dir(&self) -> Option<&std::path::Path> {
        None
    }
}

/// A resolver that knows no names: for tfvars files and templates, which
/// may only use what they are given.
pub(crate) struct NoNames;

impl Resolver for NoNames {
    fn resolve(
        &self,
        _: &str,
        ops: &[Decorated<TraversalOperator>],
        _: &mut Evaluator<'_>,
    ) -> (Value, usize) {
        (Value::Unknown, ops.len())
    }
}

/// Evaluates expressions with local bindings (`each`, `count`, for-loop
/// variables) on top of a resolver.
pub(crate) struct Evaluator<'r> {
    resolver: &'r dyn Resolver,
    bindings: Vec<(String, Value)>,
    depth: usize,
    /// Set when an operation failed on known input (a missing key, a bad
    /// argument), so `try` and `can` can tell failure from unknown.
    pub(crate) errored: bool,
}

impl<'r> Evaluator<'r> {
    pub(crate) fn new(resolver: &'r dyn Resolver) -> Self {
        Evaluator {
            resolver,
            bindings: Vec::new(),
            depth: 0,
            errored: false,
        }
    }

    /// Adds a binding (`each`, `count`) for everything evaluated after.
    pub(crate) fn bind(&mut self, name: &str, value: Value) {
        self.bindings.push((name.to_owned(), value));
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn fail(&mut self) -> Value {
        self.errored = true;
        Value::Unknown
    }

    /// Evaluates an expression.
    pub(crate) fn eval(&mut self, expr: &Expression) -> Value {
        if self.depth > MAX_DEPTH {
            return Value::Unknown;
        }
        self.depth += 1;
        let value = self.eval_inner(expr);
        self.depth -= 1;
        value
    }

    fn eval_inner(&mut self, expr: &Expression) -> Value {
        match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => n.value().as_f64().map_or(Value::Unknown, Value::Number),
            Expression::String(s) => Value::str(s.value()),
            Expression::Array(items) => Value::list(items.iter().map(|e| self.eval(e)).collect()),
            Expression::Object(object) => {
                let mut map = BTreeMap::new();
                for (key, value) in object {
                    let key = match key {
                        ObjectKey::Ident(ident) => Some(ident.value().as_str().to_owned()),
                        ObjectKey::Expression(Expression::Variable(ident)) => {
                            Some(ident.value().as_str().to_owned())
                        }
                        ObjectKey::Expression(e) => self.eval(e).as_string(),
                    };
                    let value = self.eval(value.expr());
                    match key {
                        Some(key) => {
                            map.insert(key, value);
                        }
                        None => return Value::Unknown,
                    }
                }
                Value::map(map)
            }
            Expression::StringTemplate(template) => self.template(template),
            Expression::HeredocTemplate(heredoc) => {
                if heredoc.indent().is_some() {
                    let mut copy = (**heredoc).clone();
                    copy.dedent();
                    self.template(&copy.template)
                } else {
                    self.template(&heredoc.template)
                }
            }
            Expression::Parenthesis(inner) => self.eval(inner.inner()),
            Expression::Variable(ident) => self.traverse(ident.value().as_str(), &[]),
            Expression::Conditional(cond) => match self.eval(&cond.cond_expr).as_bool() {
                Some(true) => self.eval(&cond.true_expr),
                Some(false) => self.eval(&cond.false_expr),
                None => {
                    let a = self.eval(&cond.true_expr);
                    let b = self.eval(&cond.false_expr);
                    if a == b && a.is_known() {
                        a
                    } else {
                        Value::Unknown
                    }
                }
            },
            Expression::FuncCall(call) => {
                let name = call.name.name.value().as_str();
                match name {
                    "try" => self.try_call(call.args.iter()),
                    "templatefile" => {
                        let args: Vec<Value> = call.args.iter().map(|e| self.eval(e)).collect();
                        self.template_file(&args)
                    }
                    "can" => {
                        let saved = std::mem::replace(&mut self.errored, false);
                        let value = call.args.iter().next().map(|e| self.eval(e));
                        let failed = self.errored;
                        self.errored = saved;
                        match value {
                            _ if failed => Value::Bool(false),
                            Some(v) if v.is_known() => Value::Bool(true),
                            _ => Value::Unknown,
                        }
                    }
                    _ => {
                        let args: Vec<Value> = call.args.iter().map(|e| self.eval(e)).collect();
                        let expand = call.args.expand_final();
                        let args = if expand {
                            expand_final(args)
                        } else {
                            Some(args)
                        };
                        let Some(args) = args else {
                            return Value::Unknown;
                        };
                        match functions::call(name, args, self.resolver.base_dir()) {
                            functions::Outcome::Value(v) => v,
                            functions::Outcome::Unknown => Value::Unknown,
                            functions::Outcome::Error => self.fail(),
                        }
                    }
                }
            }
            Expression::Traversal(traversal) => match &traversal.expr {
                Expression::Variable(ident) => {
                    self.traverse(ident.value().as_str(), &traversal.operators)
                }
                other => {
                    let value = self.eval(other);
                    self.apply_ops(value, &traversal.operators)
                }
            },
            Expression::UnaryOp(op) => {
                let value = self.eval(&op.expr);
                match (op.operator.value(), value) {
                    (UnaryOperator::Neg, v) => {
                        v.as_number().map_or(Value::Unknown, |n| Value::Number(-n))
                    }
                    (UnaryOperator::Not, v) => {
                        v.as_bool().map_or(Value::Unknown, |b| Value::Bool(!b))
                    }
                }
            }
            Expression::BinaryOp(op) => {
                self.binary(&op.lhs_expr, *op.operator.value(), &op.rhs_expr)
            }
            Expression::ForExpr(for_expr) => {
                let collection = self.eval(&for_expr.intro.collection_expr);
                let pairs: Vec<(Value, Value)> = match collection {
                    Value::List(items) => items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                        .collect(),
                    Value::Map(map) => map
                        .iter()
                        .map(|(k, v)| (Value::str(k), v.clone()))
                        .collect(),
                    Value::Null => return self.fail(),
                    _ => return Value::Unknown,
                };
                let key_var = for_expr
                    .intro
                    .key_var
                    .as_ref()
                    .map(|k| k.value().as_str().to_owned());
                let value_var = for_expr.intro.value_var.value().as_str().to_owned();
                let mut list = Vec::new();
                let mut map: BTreeMap<String, Value> = BTreeMap::new();
                let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
                let mark = self.bindings.len();
                for (key, value) in pairs {
                    self.bindings.truncate(mark);
                    if let Some(key_var) = &key_var {
                        self.bindings.push((key_var.clone(), key));
                    }
                    self.bindings.push((value_var.clone(), value));
                    if let Some(cond) = &for_expr.cond {
                        match self.eval(&cond.expr).as_bool() {
                            Some(true) => {}
                            Some(false) => continue,
                            None => {
                                self.bindings.truncate(mark);
                                return Value::Unknown;
                            }
                        }
                    }
                    let item = self.eval(&for_expr.value_expr);
                    if let Some(key_expr) = &for_expr.key_expr {
                        let Some(key) = self.eval(key_expr).as_string() else {
                            self.bindings.truncate(mark);
                            return Value::Unknown;
                        };
                        if for_expr.grouping {
                            groups.entry(key).or_default().push(item);
                        } else {
                            map.insert(key, item);
                        }
                    } else {
                        list.push(item);
                    }
                }
                self.bindings.truncate(mark);
                if for_expr.key_expr.is_none() {
                    Value::list(list)
                } else if for_expr.grouping {
                    Value::map(
                        groups
                            .into_iter()
                            .map(|(key, items)| (key, Value::list(items)))
                            .collect(),
                    )
                } else {
                    Value::map(map)
                }
            }
        }
    }

    /// `templatefile(path, vars)`: reads the template relative to the
    /// resolver's base directory and renders it with only `vars` in scope.
    fn template_file(&mut self, args: &[Value]) -> Value {
        let (Some(Value::String(path)), Some(Value::Map(vars))) = (args.first(), args.get(1))
        else {
            return Value::Unknown;
        };
        if path.contains("..") || path.starts_with('/') {
            return Value::Unknown;
        }
        let Some(base) = self.resolver.base_dir() else {
            return Value::Unknown;
        };
        let Ok(text) = std::fs::read_to_string(base.join(&**path)) else {
            return Value::Unknown;
        };
        let Ok(template) = hcl::edit::parser::parse_template(&text) else {
            return self.fail();
        };
        let mut inner = Evaluator::new(&NoNames);
        inner.depth = self.depth;
        for (name, value) in vars.iter() {
            inner.bind(name, value.clone());
        }
        inner.template(&template)
    }

    fn try_call<'e>(&mut self, args: impl Iterator<Item = &'e Expression>) -> Value {
        let saved = std::mem::replace(&mut self.errored, false);
        let mut result = None;
        for arg in args {
            self.errored = false;
            let value = self.eval(arg);
            if !self.errored {
                result = Some(value);
                break;
            }
        }
        self.errored = saved;
        result.unwrap_or(Value::Unknown)
    }

    /// Evaluates a traversal rooted at a name.
    fn traverse(&mut self, root: &str, ops: &[Decorated<TraversalOperator>]) -> Value {
        if let Some(value) = self.lookup(root).cloned() {
            return self.apply_ops(value, ops);
        }
        let resolver = self.resolver;
        let (value, used) = resolver.resolve(root, ops, self);
        self.apply_ops(value, ops.get(used..).unwrap_or_default())
    }

    /// Applies traversal operators to a value.
    pub(crate) fn apply_ops(
        &mut self,
        mut value: Value,
        ops: &[Decorated<TraversalOperator>],
    ) -> Value {
        for (i, op) in ops.iter().enumerate() {
            value = match op.value() {
                TraversalOperator::GetAttr(name) => match &value {
                    Value::Unknown => return Value::Unknown,
                    Value::Map(map) => match map.get(name.value().as_str()) {
                        Some(v) => v.clone(),
                        None => return self.fail(),
                    },
                    _ => return self.fail(),
                },
                TraversalOperator::Index(index) => {
                    let key = self.eval(index);
                    match (&value, &key) {
                        (Value::Unknown, _) | (_, Value::Unknown) => return Value::Unknown,
                        _ => {}
                    }
                    let result = value.index(&key);
                    if result == Value::Unknown {
                        return self.fail();
                    }
                    result
                }
                TraversalOperator::LegacyIndex(n) => {
                    let result = value.index(&Value::Number(*n.value() as f64));
                    if result == Value::Unknown {
                        return self.fail();
                    }
                    result
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = ops.get(i + 1..).unwrap_or_default();
                    let items = match value {
                        Value::Null => Vec::new(),
                        Value::List(items) => Value::into_items(items),
                        Value::Unknown => return Value::Unknown,
                        other => vec![other],
                    };
                    return Value::list(
                        items.into_iter().map(|v| self.apply_ops(v, rest)).collect(),
                    );
                }
            };
        }
        value
    }

    fn template(&mut self, template: &Template) -> Value {
        let mut out = String::new();
        if self.render(template, &mut out) {
            Value::str(out)
        } else {
            Value::Unknown
        }
    }

    /// Renders a template into `out`; false when some part is unknown.
    fn render(&mut self, template: &Template, out: &mut String) -> bool {
        for element in template {
            match element {
                Element::Literal(text) => out.push_str(text.value()),
                Element::Interpolation(interp) => {
                    // A template that is a single interpolation yields the
                    // value itself in Terraform; as text it is the same.
                    match self.eval(&interp.expr).as_string() {
                        Some(text) => out.push_str(&text),
                        None => return false,
                    }
                }
                Element::Directive(directive) => match &**directive {
                    Directive::If(dir) => match self.eval(&dir.if_expr.cond_expr).as_bool() {
                        Some(true) => {
                            if !self.render(&dir.if_expr.template, out) {
                                return false;
                            }
                        }
                        Some(false) => {
                            if let Some(else_expr) = &dir.else_expr
                                && !self.render(&else_expr.template, out)
                            {
                                return false;
                            }
                        }
                        None => return false,
                    },
                    Directive::For(dir) => {
                        let Some(items) = self.eval(&dir.for_expr.collection_expr).elements()
                        else {
                            return false;
                        };
                        let mark = self.bindings.len();
                        for (i, item) in items.into_iter().enumerate() {
                            self.bindings.truncate(mark);
                            if let Some(key) = &dir.for_expr.key_var {
                                self.bindings.push((
                                    key.value().as_str().to_owned(),
                                    Value::Number(i as f64),
                                ));
                            }
                            self.bindings
                                .push((dir.for_expr.value_var.value().as_str().to_owned(), item));
                            if !self.render(&dir.for_expr.template, out) {
                                self.bindings.truncate(mark);
                                return false;
                            }
                        }
                        self.bindings.truncate(mark);
                    }
                },
            }
        }
        true
    }

    fn binary(&mut self, lhs: &Expression, op: BinaryOperator, rhs: &Expression) -> Value {
        let a = self.eval(lhs);
        if op == BinaryOperator::And && a.as_bool() == Some(false) {
            return Value::Bool(false);
        }
        if op == BinaryOperator::Or && a.as_bool() == Some(true) {
            return Value::Bool(true);
        }
        let b = self.eval(rhs);
        match op {
            BinaryOperator::Eq | BinaryOperator::NotEq => {
                if !a.is_known() || !b.is_known() {
                    return Value::Unknown;
                }
                let equal = match (&a, &b) {
                    (Value::Number(x), Value::Number(y)) => (x - y).abs() < f64::EPSILON,
                    _ => a == b,
                };
                Value::Bool(equal == (op == BinaryOperator::Eq))
            }
            BinaryOperator::And | BinaryOperator::Or => match (a.as_bool(), b.as_bool()) {
                (Some(x), Some(y)) => Value::Bool(if op == BinaryOperator::And {
                    x && y
                } else {
                    x || y
                }),
                _ => Value::Unknown,
            },
            _ => {
                let (Some(x), Some(y)) = (a.as_number(), b.as_number()) else {
                    return Value::Unknown;
                };
                match op {
                    BinaryOperator::Plus => Value::Number(x + y),
                    BinaryOperator::Minus => Value::Number(x - y),
                    BinaryOperator::Mul => Value::Number(x * y),
                    BinaryOperator::Div if y != 0.0 => Value::Number(x / y),
                    BinaryOperator::Mod if y != 0.0 => Value::Number(x % y),
                    BinaryOperator::Less => Value::Bool(x < y),
                    BinaryOperator::LessEq => Value::Bool(x <= y),
                    BinaryOperator::Greater => Value::Bool(x > y),
                    BinaryOperator::GreaterEq => Value::Bool(x >= y),
                    _ => self.fail(),
                }
            }
        }
    }
}

/// Expands a final `...` argument (a list) into separate arguments.
fn expand_final(mut args: Vec<Value>) -> Option<Vec<Value>> {
    match args.pop()? {
        Value::List(items) => {
            args.extend(Value::into_items(items));
            Some(args)
        }
        _ => None,
    }
}
