//! CloudFormation dynamic references: `{{resolve:secretsmanager:…}}`,
//! `{{resolve:ssm-secure:…}}` and `{{resolve:ssm:…}}` inside a string.
//! CloudFormation resolves them at deploy time; a template holds only the
//! reference, and the graph keeps it as an edge to the secret or parameter
//! it names, never as a value.

use infrawise_core::{Alias, NodeKind, NodeRef};

/// One dynamic reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DynamicReference {
    /// `secretsmanager`, `ssm-secure` or `ssm`.
    pub(crate) service: String,
    /// The secret id (name or ARN) or parameter name (or ARN).
    pub(crate) name: String,
}

impl DynamicReference {
    /// The node the reference names, by alias.
    pub(crate) fn target(&self) -> NodeRef {
        if self.name.starts_with("arn:") {
            return Alias::arn(self.name.clone()).into();
        }
        let kind = if self.service == "secretsmanager" {
            NodeKind::Secret
        } else {
            NodeKind::Parameter
        };
        Alias::name(kind, self.name.clone()).into()
    }
}

/// Every dynamic reference in `text`, in order. Malformed ones (no closing
/// braces, an unknown service, an empty name) are skipped.
pub(crate) fn references(text: &str) -> Vec<DynamicReference> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{resolve:") {
        rest = &rest[start + "{{resolve:".len()..];
        let Some(end) = closing(rest) else {
            break;
        };
        let body = &rest[..end];
        rest = &rest[end + 2..];
        let Some((service, reference)) = body.split_once(':') else {
            continue;
        };
        let name = match service {
            // secret-id[:SecretString[:json-key[:version-stage[:version-id]]]]
            "secretsmanager" => arn_or_first(reference, 7),
            // parameter-name[:version]
            "ssm" | "ssm-secure" => arn_or_first(reference, 6),
            _ => continue,
        };
        // `${Secret}` inside `Fn::Sub` names a template resource, which
        // the Sub reference already links; AWS's public parameters
        // (`/aws/service/…`) belong to no one's template.
        if !name.is_empty() && !name.contains("${") && !name.starts_with("/aws/") {
            out.push(DynamicReference {
                service: service.to_owned(),
                name: name.to_owned(),
            });
        }
    }
    out
}

/// Where the `}}` that closes a dynamic reference starts, skipping the
/// braces of `${Name}` substitutions inside it.
fn closing(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth > 0 => depth -= 1,
            b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The leading ARN (its first `arn_parts` colon-separated parts) when the
/// reference starts with `arn:`, else the part before the first colon.
fn arn_or_first(reference: &str, arn_parts: usize) -> &str {
    if reference.starts_with("arn:") {
        let end = reference
            .match_indices(':')
            .nth(arn_parts - 1)
            .map_or(reference.len(), |(i, _)| i);
        &reference[..end]
    } else {
        reference.split(':').next().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_arns() {
        let found = references(
            "{{resolve:secretsmanager:prod/db:SecretString:password}} and \
             {{resolve:ssm-secure:/app/api-key:3}} {{resolve:ssm:/app/region}} \
             {{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:SecretString:pw::}} \
             {{resolve:vault:x}} {{resolve:secretsmanager:${Credential}}} \
             {{resolve:ssm:/aws/service/ami-amazon-linux-latest/x}} {{resolve:ssm:/after/sub}} {{resolve:ssm:",
        );
        let names: Vec<(&str, &str)> = found
            .iter()
            .map(|r| (r.service.as_str(), r.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("secretsmanager", "prod/db"),
                ("ssm-secure", "/app/api-key"),
                ("ssm", "/app/region"),
                (
                    "secretsmanager",
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
                ),
                ("ssm", "/after/sub"),
            ]
        );
    }
}
