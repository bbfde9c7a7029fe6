//! Static evaluation of the few intrinsics a physical name or an export
//! name is usually built from: literals, `Ref` to a parameter with a
//! default, `AWS::StackName`, `Fn::Sub` and `Fn::Join`. Anything else is
//! unknown, never guessed.

use super::value::{Kind, Value};

/// Whether a parameter says `NoEcho: true` (or `"true"`): its value is secret.
pub(crate) fn no_echo(parameter: &Value) -> bool {
    parameter
        .get("NoEcho")
        .is_some_and(|value| match &value.kind {
            Kind::Bool(b) => *b,
            Kind::String(text) => text.eq_ignore_ascii_case("true"),
            _ => false,
        })
}

/// What a value needs to be evaluated: the template's parameters and the stack name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scope<'a> {
    pub(crate) parameters: Option<&'a Value>,
    pub(crate) stack: &'a str,
}

impl Scope<'_> {
    fn name(&self, name: &str) -> Option<String> {
        if name == "AWS::StackName" {
            return Some(self.stack.to_owned());
        }
        let parameter = self.parameters?.get(name)?;
        // A NoEcho parameter's value never flows into names.
        if no_echo(parameter) {
            return None;
        }
        let default = parameter.get("Default")?;
        match &default.kind {
            Kind::String(text) | Kind::Number(text) => Some(text.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The value as a string, if it can be worked out statically.
    pub(crate) fn string(&self, value: &Value) -> Option<String> {
        if let Some((function, argument)) = value.intrinsic() {
            return match function {
                "Ref" => self.name(argument.as_str()?),
                "Fn::Sub" => {
                    let (template, variables) = match (&argument.kind, argument.items()) {
                        (Kind::String(text), _) => (text.as_str(), None),
                        (Kind::Seq(_), [template, variables, ..]) => {
                            (template.as_str()?, Some(variables))
                        }
                        (Kind::Seq(_), [template]) => (template.as_str()?, None),
                        _ => return None,
                    };
                    self.substitute(template, variables)
                }
                "Fn::Join" => match argument.items() {
                    [separator, items] => {
                        let separator = separator.as_str()?;
                        let parts: Option<Vec<String>> =
                            items.items().iter().map(|item| self.string(item)).collect();
                        (items.as_str().is_none() && matches!(items.kind, Kind::Seq(_)))
                            .then_some(())?;
                        Some(parts?.join(separator))
                    }
                    _ => None,
                },
                _ => None,
            };
        }
        match &value.kind {
            Kind::String(text) | Kind::Number(text) => Some(text.clone()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn substitute(&self, template: &str, variables: Option<&Value>) -> Option<String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            rest = &rest[start + 2..];
            if let Some(literal) = rest.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let end = rest.find('}')?;
            let name = rest[..end].trim();
            rest = &rest[end + 1..];
            let local = variables.and_then(|vars| vars.get(name));
            let text = match local {
                Some(value) => self.string(value)?,
                None => self.name(name)?,
            };
            out.push_str(&text);
        }
        out.push_str(rest);
        Some(out)
    }
}
