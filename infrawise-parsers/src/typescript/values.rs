//! What a JavaScript expression is known to hold without running it: a
//! string fixed in code, an environment variable's value, or a URL whose
//! leading part is fixed.

use tree_sitter::Node;

use super::extract::Walker;

/// A value established statically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    /// Text fixed in code: a literal at the use (`literal`), or a module
    /// constant or template whose every part is known.
    Known {
        /// The text.
        text: String,
        /// Whether a string literal stands at the use itself.
        literal: bool,
        /// How the code names it, for evidence details.
        how: String,
    },
    /// The value of environment variable `var`; `whole` is false when more
    /// text follows it (`${process.env.API}/orders`).
    Env {
        /// The variable.
        var: String,
        /// Whether the variable is the whole value.
        whole: bool,
    },
    /// Text whose beginning is fixed and the rest computed at run time
    /// (`https://api.example.com/orders/${id}`): enough to name a host.
    Prefix(String),
}

impl Val {
    fn known(text: String, literal: bool, how: String) -> Self {
        Val::Known { text, literal, how }
    }
}

/// The text of a string literal node without its quotes.
pub(crate) fn string_text(node: Node<'_>, src: &[u8]) -> Option<String> {
    if node.kind() != "string" {
        return None;
    }
    let raw = node.utf8_text(src).ok()?;
    if raw.len() < 2 {
        return Some(String::new());
    }
    Some(raw[1..raw.len() - 1].to_owned())
}

/// The variable `X` when `node` is `process.env.X` or `process.env["X"]`.
pub(crate) fn env_read(node: Node<'_>, src: &[u8]) -> Option<String> {
    let object = node.child_by_field_name("object")?;
    if !is_process_env(object, src) {
        return None;
    }
    match node.kind() {
        "member_expression" => {
            let property = node.child_by_field_name("property")?;
            Some(property.utf8_text(src).ok()?.to_owned())
        }
        "subscript_expression" => string_text(node.child_by_field_name("index")?, src),
        _ => None,
    }
}

/// Whether `node` is the expression `process.env`.
pub(crate) fn is_process_env(node: Node<'_>, src: &[u8]) -> bool {
    node.kind() == "member_expression"
        && node
            .child_by_field_name("property")
            .and_then(|p| p.utf8_text(src).ok())
            == Some("env")
        && node
            .child_by_field_name("object")
            .and_then(|o| o.utf8_text(src).ok())
            == Some("process")
}

/// `node` without parentheses, `await`, `as T`, `!` and `satisfies T`.
pub(crate) fn unwrap_expression(mut node: Node<'_>) -> Node<'_> {
    while matches!(
        node.kind(),
        "parenthesized_expression"
            | "await_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression"
    ) {
        match node.named_child(0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

impl Walker<'_> {
    /// What `node` is known to hold, if anything.
    pub(crate) fn eval(&self, node: Node<'_>) -> Option<Val> {
        self.eval_depth(node, 0)
    }

    fn eval_depth(&self, node: Node<'_>, depth: usize) -> Option<Val> {
        if depth > 32 {
            return None;
        }
        let node = unwrap_expression(node);
        match node.kind() {
            "string" => {
                let text = string_text(node, self.src)?;
                let how = format!("{text:?}");
                Some(Val::known(text, true, how))
            }
            "template_string" => self.eval_template(node, depth),
            "identifier" | "shorthand_property_identifier" => {
                let name = node.utf8_text(self.src).ok()?;
                self.lookup(name)
            }
            "member_expression" | "subscript_expression" => {
                env_read(node, self.src).map(|var| Val::Env { var, whole: true })
            }
            "binary_expression" => {
                let operator = node
                    .child_by_field_name("operator")
                    .and_then(|o| o.utf8_text(self.src).ok())?;
                let left = node
                    .child_by_field_name("left")
                    .and_then(|l| self.eval_depth(l, depth + 1));
                match operator {
                    "||" | "??" => left.or_else(|| {
                        node.child_by_field_name("right")
                            .and_then(|r| self.eval_depth(r, depth + 1))
                    }),
                    "+" => {
                        let right = node
                            .child_by_field_name("right")
                            .and_then(|r| self.eval_depth(r, depth + 1));
                        Some(concat(left?, right))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn eval_template(&self, node: Node<'_>, depth: usize) -> Option<Val> {
        let mut acc: Option<Val> = None;
        let mut first = true;
        let mut substituted = false;
        let mut cursor = node.walk();
        for part in node.named_children(&mut cursor) {
            let value = match part.kind() {
                "string_fragment" | "escape_sequence" => {
                    let text = part.utf8_text(self.src).ok()?.to_owned();
                    Some(Val::known(text, true, String::new()))
                }
                "template_substitution" => {
                    substituted = true;
                    part.named_child(0)
                        .and_then(|inner| self.eval_depth(inner, depth + 1))
                }
                _ => None,
            };
            acc = if first {
                first = false;
                value
            } else {
                Some(concat(acc?, value))
            };
            acc.as_ref()?;
        }
        match acc {
            None => Some(Val::known(String::new(), true, "\"\"".to_owned())),
            Some(Val::Known { text, literal, .. }) => {
                // A template with substitutions is known only through them: a
                // constant, not a literal at the use.
                let how = format!("`{text}`");
                Some(Val::Known {
                    text,
                    literal: literal && !substituted,
                    how,
                })
            }
            other => other,
        }
    }
}

/// `left + right` as far as it is known.
fn concat(left: Val, right: Option<Val>) -> Val {
    match (left, right) {
        (
            Val::Known {
                text: a,
                literal: la,
                ..
            },
            Some(Val::Known {
                text: b,
                literal: lb,
                ..
            }),
        ) => {
            let text = format!("{a}{b}");
            let how = format!("{text:?}");
            Val::Known {
                text,
                literal: la && lb,
                how,
            }
        }
        (Val::Known { text, .. } | Val::Prefix(text), _) => Val::Prefix(text),
        (Val::Env { var, .. }, _) => Val::Env { var, whole: false },
    }
}
