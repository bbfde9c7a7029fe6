//! YAML templates into the located value tree, through yaml-rust2's event
//! parser so every value keeps its line and short-form tags (`!Ref`,
//! `!GetAtt`, …) become the intrinsic functions they stand for.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::value::{Entry, INTRINSIC_TAGS, Kind, Loaded, Value, long_form};

/// Nesting deeper than this is refused: no template needs it, and it keeps
/// recursive walks over the tree far from the stack's limit.
const MAX_DEPTH: usize = 256;
/// Alias expansion budget (values), against "billion laughs" documents.
const MAX_ALIAS_VALUES: usize = 1_000_000;

enum Frame {
    Seq {
        items: Vec<Value>,
        line: u32,
        anchor: usize,
        tag: Option<Tag>,
    },
    Map {
        entries: Vec<Entry>,
        key: Option<(String, u32)>,
        line: u32,
        anchor: usize,
        tag: Option<Tag>,
    },
}

struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    anchors: HashMap<usize, Value>,
    documents: usize,
    alias_budget: usize,
    failed: Option<(u32, String)>,
    problems: Vec<(Option<u32>, bool, String)>,
}

fn line_of(mark: Marker) -> u32 {
    u32::try_from(mark.line()).unwrap_or(u32::MAX).max(1)
}

fn plain_scalar(text: String) -> Kind {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        "true" | "True" | "TRUE" => Kind::Bool(true),
        "false" | "False" | "FALSE" => Kind::Bool(false),
        _ if looks_numeric(&text) => Kind::Number(text),
        _ => Kind::String(text),
    }
}

fn looks_numeric(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    !body.is_empty()
        && body.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && text.parse::<f64>().is_ok()
        && !(body.len() > 1 && body.starts_with('0') && !body.starts_with("0."))
}

impl Builder {
    /// Wraps `value` in the intrinsic its tag names, or reports the tag.
    fn apply_tag(&mut self, tag: Option<Tag>, value: Value) -> Value {
        let Some(tag) = tag else { return value };
        if tag.handle == "!" && INTRINSIC_TAGS.contains(&tag.suffix.as_str()) {
            let line = value.line;
            let key = long_form(&tag.suffix);
            // `!GetAtt` and `!Ref` with a `!Sub`-like nested tag are already values.
            return Value::new(line, Kind::Map(vec![Entry { key, line, value }]));
        }
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            return match (tag.suffix.as_str(), value.kind) {
                ("str", Kind::Number(text) | Kind::String(text)) => {
                    Value::new(value.line, Kind::String(text))
                }
                ("str", Kind::Bool(b)) => Value::new(value.line, Kind::String(b.to_string())),
                ("str", Kind::Null) => Value::new(value.line, Kind::String(String::new())),
                (_, kind) => Value::new(value.line, kind),
            };
        }
        self.problems.push((
            Some(value.line),
            false,
            format!(
                "unknown tag `{}{}`, value kept as plain",
                tag.handle, tag.suffix
            ),
        ));
        value
    }

    fn push_value(&mut self, value: Value, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(value);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    let text = match value.kind {
                        Kind::String(text) | Kind::Number(text) => text,
                        Kind::Bool(b) => b.to_string(),
                        Kind::Null => String::new(),
                        other @ (Kind::Seq(_) | Kind::Map(_)) => {
                            Value::new(value.line, other).to_json().to_string()
                        }
                    };
                    *key = Some((text, value.line));
                }
                Some((text, line)) => {
                    // A repeated key: the later value wins, as in CloudFormation.
                    entries.retain(|entry| entry.key != text);
                    entries.push(Entry {
                        key: text,
                        line,
                        value,
                    });
                }
            },
        }
    }
}

impl Builder {
    /// Whether one more level of nesting is allowed; records the failure if not.
    fn enter(&mut self, line: u32) -> bool {
        if self.stack.len() >= MAX_DEPTH {
            self.failed = Some((line, format!("nesting deeper than {MAX_DEPTH}")));
            return false;
        }
        true
    }
}

/// Loads the first document of a YAML text.
pub(crate) fn load(text: &str) -> Loaded {
    let mut builder = Builder {
        stack: Vec::new(),
        root: None,
        anchors: HashMap::new(),
        documents: 0,
        alias_budget: MAX_ALIAS_VALUES,
        failed: None,
        problems: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let result = parser.load(&mut builder, false);
    let mut problems = std::mem::take(&mut builder.problems);
    if let Err(error) = result {
        let line = line_of(*error.marker());
        problems.push((
            Some(line),
            true,
            format!("malformed YAML: {}", error.info()),
        ));
        return Loaded {
            root: None,
            problems,
        };
    }
    if let Some((line, message)) = builder.failed {
        problems.push((Some(line), true, format!("malformed YAML: {message}")));
        return Loaded {
            root: None,
            problems,
        };
    }
    Loaded {
        root: builder.root,
        problems,
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.failed.is_some() {
            return;
        }
        let line = line_of(mark);
        match event {
            Event::DocumentStart => self.documents += 1,
            Event::Scalar(text, style, anchor, tag) => {
                if self.documents > 1 {
                    return;
                }
                let kind = match style {
                    TScalarStyle::Plain if tag.is_none() => plain_scalar(text),
                    _ => Kind::String(text),
                };
                let value = self.apply_tag(tag, Value::new(line, kind));
                self.push_value(value, anchor);
            }
            Event::SequenceStart(anchor, tag) if self.documents <= 1 && self.enter(line) => {
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    line,
                    anchor,
                    tag,
                });
            }
            Event::MappingStart(anchor, tag) if self.documents <= 1 && self.enter(line) => {
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    line,
                    anchor,
                    tag,
                });
            }
            Event::SequenceEnd | Event::MappingEnd if self.documents <= 1 => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let (value, anchor, tag) = match frame {
                    Frame::Seq {
                        items,
                        line,
                        anchor,
                        tag,
                    } => (Value::new(line, Kind::Seq(items)), anchor, tag),
                    Frame::Map {
                        entries,
                        line,
                        anchor,
                        tag,
                        ..
                    } => (Value::new(line, Kind::Map(entries)), anchor, tag),
                };
                let value = self.apply_tag(tag, value);
                self.push_value(value, anchor);
            }
            Event::Alias(id) if self.documents <= 1 => {
                let value = self.anchors.get(&id).cloned();
                match value {
                    Some(value) => {
                        let size = value.size();
                        if size > self.alias_budget {
                            self.failed =
                                Some((line, "aliases expand to too many values".to_owned()));
                            return;
                        }
                        self.alias_budget -= size;
                        let value = Value { line, ..value };
                        self.push_value(value, 0);
                    }
                    None => self.push_value(Value::new(line, Kind::Null), 0),
                }
            }
            _ => {}
        }
    }
}
