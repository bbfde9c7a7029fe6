//! Finding the references inside a value: `Ref`, `Fn::GetAtt` (both
//! forms), every `${Name}` / `${Name.Attr}` of `Fn::Sub` (never
//! `${!Literal}`), `Fn::ImportValue`, `Fn::FindInMap` and conditions.

use std::fmt::{self, Write as _};

use super::value::{Kind, Value};

/// How a reference is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefKind {
    Ref,
    GetAtt,
    Sub,
    ImportValue,
    FindInMap,
    Condition,
    DependsOn,
}

impl fmt::Display for RefKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefKind::Ref => "Ref",
            RefKind::GetAtt => "GetAtt",
            RefKind::Sub => "Sub",
            RefKind::ImportValue => "ImportValue",
            RefKind::FindInMap => "FindInMap",
            RefKind::Condition => "Condition",
            RefKind::DependsOn => "DependsOn",
        })
    }
}

/// One reference: what it names and where it sits.
#[derive(Clone, Debug)]
pub(crate) struct Reference<'a> {
    pub(crate) kind: RefKind,
    /// The logical id, parameter, condition or mapping named (empty for imports).
    pub(crate) target: String,
    /// The attribute of a `GetAtt` or `${Name.Attr}`.
    pub(crate) attribute: Option<String>,
    /// The property path holding the reference (`Properties.Environment.Variables.URL`).
    pub(crate) path: String,
    pub(crate) line: u32,
    /// The argument of `Fn::ImportValue`.
    pub(crate) argument: Option<&'a Value>,
}

impl Reference<'_> {
    /// The evidence detail: the property path and how it is written.
    pub(crate) fn detail(&self) -> String {
        if self.path.is_empty() {
            format!("({})", self.kind)
        } else {
            format!("{} ({})", self.path, self.kind)
        }
    }
}

/// Collects every reference inside `value`, whose property path is `path`.
pub(crate) fn collect<'a>(value: &'a Value, path: &str, out: &mut Vec<Reference<'a>>) {
    let mut buffer = String::with_capacity(64);
    buffer.push_str(path);
    walk(value, &mut buffer, out);
}

/// Like [`collect`], extending one path buffer in place rather than
/// allocating a path per value: most values hold no reference at all.
fn walk<'a>(value: &'a Value, buffer: &mut String, out: &mut Vec<Reference<'a>>) {
    if value.intrinsic().is_none() {
        let mark = buffer.len();
        match &value.kind {
            Kind::Map(entries) => {
                for entry in entries {
                    if !buffer.is_empty() {
                        buffer.push('.');
                    }
                    buffer.push_str(&entry.key);
                    walk(&entry.value, buffer, out);
                    buffer.truncate(mark);
                }
            }
            Kind::Seq(items) => {
                for (index, item) in items.iter().enumerate() {
                    let _ = write!(buffer, "[{index}]");
                    walk(item, buffer, out);
                    buffer.truncate(mark);
                }
            }
            _ => {}
        }
        return;
    }
    intrinsic(value, buffer, out);
}

/// The references of an intrinsic function call.
fn intrinsic<'a>(value: &'a Value, buffer: &str, out: &mut Vec<Reference<'a>>) {
    let path = buffer;
    let push = |out: &mut Vec<Reference<'a>>, kind, target: &str, attribute: Option<String>| {
        out.push(Reference {
            kind,
            target: target.to_owned(),
            attribute,
            path: path.to_owned(),
            line: value.line,
            argument: None,
        });
    };
    if let Some((function, argument)) = value.intrinsic() {
        match function {
            "Ref" => match argument.as_str() {
                Some(name) if name.starts_with("AWS::") => {}
                Some(name) => push(out, RefKind::Ref, name, None),
                None => collect(argument, path, out),
            },
            "Condition" => match argument.as_str() {
                Some(name) => push(out, RefKind::Condition, name, None),
                None => collect(argument, path, out),
            },
            "Fn::GetAtt" => match (&argument.kind, argument.items()) {
                (Kind::String(text), _) => {
                    let (target, attribute) = match text.split_once('.') {
                        Some((target, attribute)) => (target, Some(attribute.to_owned())),
                        None => (text.as_str(), None),
                    };
                    push(out, RefKind::GetAtt, target, attribute);
                }
                (Kind::Seq(_), [target, attribute, ..]) if target.as_str().is_some() => {
                    let name = target.as_str().unwrap_or_default();
                    push(
                        out,
                        RefKind::GetAtt,
                        name,
                        attribute.as_str().map(str::to_owned),
                    );
                    if attribute.as_str().is_none() {
                        collect(attribute, path, out);
                    }
                }
                _ => collect(argument, path, out),
            },
            "Fn::Sub" => {
                let (template, variables) = match (&argument.kind, argument.items()) {
                    (Kind::String(_), _) => (Some(argument), None),
                    (Kind::Seq(_), [template, variables, ..]) => (Some(template), Some(variables)),
                    (Kind::Seq(_), [template]) => (Some(template), None),
                    _ => (None, None),
                };
                if let Some(text) = template.and_then(Value::as_str) {
                    for (name, attribute) in sub_variables(text) {
                        let local = variables.is_some_and(|vars| vars.get(name).is_some());
                        if !local && !name.starts_with("AWS::") {
                            push(out, RefKind::Sub, name, attribute.map(str::to_owned));
                        }
                    }
                } else if let Some(template) = template {
                    collect(template, path, out);
                }
                if let Some(variables) = variables {
                    collect(variables, path, out);
                }
            }
            "Fn::ImportValue" => {
                out.push(Reference {
                    kind: RefKind::ImportValue,
                    target: String::new(),
                    attribute: None,
                    path: path.to_owned(),
                    line: value.line,
                    argument: Some(argument),
                });
                collect(argument, path, out);
            }
            "Fn::FindInMap" => {
                let items = argument.items();
                if let Some(name) = items.first().and_then(Value::as_str) {
                    push(out, RefKind::FindInMap, name, None);
                }
                for item in items.iter().skip(1) {
                    collect(item, path, out);
                }
                if items.is_empty() {
                    collect(argument, path, out);
                }
            }
            "Fn::If" => {
                let items = argument.items();
                if let Some(name) = items.first().and_then(Value::as_str) {
                    push(out, RefKind::Condition, name, None);
                }
                for item in items.iter().skip(1) {
                    collect(item, path, out);
                }
            }
            _ => collect(argument, path, out),
        }
    }
}

/// The `${Name}` and `${Name.Attr}` variables of a `Fn::Sub` template,
/// leaving out the `${!Literal}` escapes.
pub(crate) fn sub_variables(text: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        rest = &rest[start + 2..];
        if rest.starts_with('!') {
            continue;
        }
        let Some(end) = rest.find('}') else { break };
        let inner = rest[..end].trim();
        rest = &rest[end + 1..];
        if inner.is_empty() {
            continue;
        }
        match inner.split_once('.') {
            Some((name, attribute)) => out.push((name, Some(attribute))),
            None => out.push((inner, None)),
        }
    }
    out
}

/// The logical ids a `DependsOn` value names, with their lines.
pub(crate) fn depends_on(value: &Value) -> Vec<(&str, u32)> {
    match &value.kind {
        Kind::String(name) => vec![(name.as_str(), value.line)],
        Kind::Seq(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(|name| (name, item.line)))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::sub_variables;

    #[test]
    fn sub_variables_skip_literals_and_split_attributes() {
        assert_eq!(
            sub_variables("arn:${AWS::Region}:${Queue.Arn}/${!Literal}/${ Name }"),
            vec![
                ("AWS::Region", None),
                ("Queue", Some("Arn")),
                ("Name", None)
            ]
        );
        assert!(sub_variables("${unterminated").is_empty());
    }
}
