//! Keeping secrets out of the graph: the one place where attribute values
//! are withheld.
//!
//! A graph is handed to AI assistants, CI logs and pull-request comments,
//! so a value that the source marks secret, or that holds a credential by
//! its schema, must never reach it. Every attribute enters a fragment
//! through [`Node::set_attribute`](crate::Node::set_attribute), which runs
//! [`redact`]; the graph build runs [`redact_node`] over every node it
//! merges (for attributes a parser inserted directly, and for rules that
//! need two attributes of one node). So every output — JSON, DOT, Mermaid,
//! text, query results, SARIF, MCP — is covered by construction.
//!
//! A withheld value becomes [`AttributeValue::Redacted`], printed as
//! `{"redacted": "<reason>"}`: the fact that a value exists, and why it is
//! hidden, stay. Inside a larger value (an environment map, a nested
//! block) the same object takes the secret's place.
//!
//! What is withheld:
//!
//! 1. Values whose source marks them secret. Parsers know these
//!    (CloudFormation `NoEcho`, Terraform `sensitive`, state's sensitive
//!    paths) and store [`AttributeValue::redacted`] themselves.
//! 2. Attributes that hold credentials by their schema, per resource type:
//!    the table [`CREDENTIAL_ATTRIBUTES`], one row per attribute with its
//!    reason; and, for any type, a string at a key named like a credential
//!    ([`credential_named`]), at any depth.
//! 3. Literal environment variable values (a function's, a task's, a
//!    container's): kept only when plainly non-secret
//!    ([`plainly_non_secret`]: a number, a boolean, a region, an ARN, a URL
//!    without credentials). Values that reference something (`Ref`,
//!    `GetAtt`, an unevaluated Terraform reference) are not literals and
//!    stay.
//! 4. Credentials inside URLs: `scheme://user:pass@host` loses its userinfo
//!    wherever it appears.
//!
//! Unknown values keep the expression they came from; that text is
//! scrubbed by the same rules ([`scrub_expression`]), since a partly
//! unknown block still holds its literals.

use serde_json::{Map, Value};

use crate::{AttributeValue, Attributes, Node, NodeKind};

/// One attribute that holds a credential by its resource type's schema.
#[derive(Clone, Copy, Debug)]
pub struct CredentialAttribute {
    /// The provider types it applies to (`aws_db_instance`, `AWS::RDS::DBInstance`).
    pub types: &'static [&'static str],
    /// The attribute as the parser names it: a Terraform argument
    /// (`password`) or a CloudFormation property path (`Properties.MasterUserPassword`).
    pub attribute: &'static str,
    /// Why it is withheld.
    pub reason: &'static str,
}

/// Attributes withheld by schema, whatever their origin.
pub const CREDENTIAL_ATTRIBUTES: &[CredentialAttribute] = &[
    CredentialAttribute {
        types: &["aws_db_instance"],
        attribute: "password",
        reason: "RDS master password",
    },
    CredentialAttribute {
        types: &[
            "aws_rds_cluster",
            "aws_docdb_cluster",
            "aws_neptune_cluster",
            "aws_redshift_cluster",
            "aws_redshiftserverless_namespace",
        ],
        attribute: "master_password",
        reason: "database master password",
    },
    CredentialAttribute {
        types: &["aws_redshiftserverless_namespace"],
        attribute: "admin_user_password",
        reason: "database admin password",
    },
    CredentialAttribute {
        types: &[
            "AWS::RDS::DBInstance",
            "AWS::RDS::DBCluster",
            "AWS::DocDB::DBCluster",
            "AWS::Neptune::DBCluster",
            "AWS::Redshift::Cluster",
        ],
        attribute: "Properties.MasterUserPassword",
        reason: "database master user password",
    },
    CredentialAttribute {
        types: &[
            "aws_elasticache_replication_group",
            "aws_elasticache_cluster",
        ],
        attribute: "auth_token",
        reason: "ElastiCache AUTH token",
    },
    CredentialAttribute {
        types: &["AWS::ElastiCache::ReplicationGroup"],
        attribute: "Properties.AuthToken",
        reason: "ElastiCache AUTH token",
    },
    CredentialAttribute {
        types: &["aws_elasticache_user"],
        attribute: "passwords",
        reason: "ElastiCache user passwords",
    },
    CredentialAttribute {
        types: &["AWS::ElastiCache::User"],
        attribute: "Properties.Passwords",
        reason: "ElastiCache user passwords",
    },
    CredentialAttribute {
        types: &["aws_secretsmanager_secret_version"],
        attribute: "secret_string",
        reason: "Secrets Manager secret value",
    },
    CredentialAttribute {
        types: &["aws_secretsmanager_secret_version"],
        attribute: "secret_binary",
        reason: "Secrets Manager secret value",
    },
    CredentialAttribute {
        types: &["AWS::SecretsManager::Secret"],
        attribute: "Properties.SecretString",
        reason: "Secrets Manager secret value",
    },
    CredentialAttribute {
        types: &["aws_iam_access_key"],
        attribute: "secret",
        reason: "IAM secret access key",
    },
    CredentialAttribute {
        types: &["aws_iam_access_key"],
        attribute: "ses_smtp_password_v4",
        reason: "SES SMTP password derived from an IAM secret key",
    },
    CredentialAttribute {
        types: &["aws_iam_user_login_profile"],
        attribute: "password",
        reason: "IAM console password",
    },
    CredentialAttribute {
        types: &["random_password"],
        attribute: "result",
        reason: "generated password",
    },
    CredentialAttribute {
        types: &["random_password"],
        attribute: "bcrypt_hash",
        reason: "hash of a generated password",
    },
    CredentialAttribute {
        types: &["tls_private_key"],
        attribute: "private_key_pem",
        reason: "private key",
    },
    CredentialAttribute {
        types: &["tls_private_key"],
        attribute: "private_key_openssh",
        reason: "private key",
    },
    CredentialAttribute {
        types: &["tls_private_key"],
        attribute: "private_key_pem_pkcs8",
        reason: "private key",
    },
    CredentialAttribute {
        types: &[
            "AWS::DirectoryService::MicrosoftAD",
            "AWS::DirectoryService::SimpleAD",
        ],
        attribute: "Properties.Password",
        reason: "directory administrator password",
    },
    CredentialAttribute {
        types: &["aws_directory_service_directory"],
        attribute: "password",
        reason: "directory administrator password",
    },
];

/// SSM parameters of this type hold a secret in `value` / `Properties.Value`.
const SECURE_STRING: &str = "SecureString";

/// The reason `attribute` of a `raw_type` resource is a credential by
/// schema, from [`CREDENTIAL_ATTRIBUTES`].
pub fn credential_reason(raw_type: &str, attribute: &str) -> Option<&'static str> {
    CREDENTIAL_ATTRIBUTES
        .iter()
        .find(|row| row.attribute == attribute && row.types.contains(&raw_type))
        .map(|row| row.reason)
}

/// Whether a key (`password`, `MasterUserPassword`, `api_token`,
/// `private_key_pem`) names a credential. Words are compared without case
/// and separators, by how the name ends, so `db_password` and
/// `AuthToken` match while `password_policy`, `secret_arn` and
/// `token_ttl` (which name a setting, not a credential) do not.
pub fn credential_named(key: &str) -> bool {
    const ENDINGS: [&str; 15] = [
        "plaintext",
        "password",
        "passwords",
        "passwd",
        "passphrase",
        "secret",
        "secretstring",
        "secretbinary",
        "secretkey",
        "privatekey",
        "privatekeypem",
        "token",
        "apikey",
        "credentials",
        "sensitivecontent",
    ];
    // Settings named like credentials that are not one.
    const SETTINGS: [&str; 4] = [
        "clienttoken",
        "idempotencytoken",
        "nexttoken",
        "continuationtoken",
    ];
    // The key as compared: its ASCII letters and digits, lowercased. Only
    // its end matters, and no ending is longer than the buffer, so it is
    // kept on the stack: every attribute key of every node passes here.
    const KEPT: usize = 32;
    let mut buffer = [0u8; KEPT];
    let mut start = KEPT;
    let mut whole = true;
    for b in key.bytes().rev().filter(u8::is_ascii_alphanumeric) {
        if start == 0 {
            whole = false;
            break;
        }
        start -= 1;
        buffer[start] = b.to_ascii_lowercase();
    }
    let tail = &buffer[start..];
    // Only the endings that end as the key does are compared.
    let Some(&last) = tail.last() else {
        return false;
    };
    ENDINGS
        .iter()
        .filter(|ending| ending.as_bytes().last() == Some(&last))
        .any(|ending| tail.ends_with(ending.as_bytes()))
        && !(whole && SETTINGS.iter().any(|word| tail == word.as_bytes()))
}

/// Whether a literal string is plainly configuration, not a secret: a
/// number, a boolean, an AWS region, an ARN (which names a resource), or a
/// URL without credentials.
pub fn plainly_non_secret(text: &str) -> bool {
    let text = text.trim();
    if text.is_empty() || text.parse::<f64>().is_ok() {
        return true;
    }
    if matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off"
    ) {
        return true;
    }
    if is_region(text) || text.starts_with("arn:") {
        return true;
    }
    match text.find("://") {
        Some(at) => {
            let scheme = &text[..at];
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                && !has_userinfo(text)
                && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`, `cn-north-1`.
fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts.len() <= 4
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

/// A literal environment value as it may be kept: without URL
/// credentials, and only when plainly non-secret; `None` when withheld.
fn env_literal(text: &str) -> Option<String> {
    let stripped = strip_all_userinfo(text);
    plainly_non_secret(&stripped).then_some(stripped)
}

fn has_userinfo(url: &str) -> bool {
    strip_userinfo(url).len() != url.len()
}

/// `url` without the `user:password@` part of its authority
/// (`postgres://app:hunter2@db:5432/x` becomes `postgres://db:5432/x`).
/// Text without `://` is returned as it is.
pub fn strip_userinfo(url: &str) -> String {
    let Some(at) = url.find("://") else {
        return url.to_owned();
    };
    let (scheme, rest) = (&url[..at + 3], &url[at + 3..]);
    let authority_end = rest
        .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
        .unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rfind('@') {
        Some(at) => format!("{scheme}{}{}", &authority[at + 1..], &rest[authority_end..]),
        None => url.to_owned(),
    }
}

/// Whether `text` may hold a URL with userinfo (`://` and an `@`).
fn may_hold_userinfo(text: &str) -> bool {
    text.contains("://") && text.contains('@')
}

/// Every URL inside `text` without its userinfo.
fn strip_all_userinfo(text: &str) -> String {
    if !may_hold_userinfo(text) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        // The scheme runs back from `://` over scheme characters.
        let start = rest[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |i| i + 1);
        out.push_str(&rest[..start]);
        let end = rest[at + 3..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .map_or(rest.len(), |i| at + 3 + i);
        out.push_str(&strip_userinfo(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The marker value that takes a withheld value's place inside a larger
/// value: `{"redacted": "<reason>"}`.
pub fn marker(reason: &str) -> Value {
    let mut map = Map::new();
    map.insert(
        crate::attribute::REDACTED_KEY.to_owned(),
        Value::String(reason.to_owned()),
    );
    Value::Object(map)
}

/// Whether `value` is a marker made by [`marker`].
pub fn is_marker(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.len() == 1
        && matches!(map.get(crate::attribute::REDACTED_KEY), Some(Value::String(_))))
}

const LITERAL_ENV: &str = "literal environment value";
const NAMED_CREDENTIAL: &str = "named like a credential";

/// Whether an attribute (by its name as stored, `environment`,
/// `Properties.Environment`, `container_definitions`) holds environment
/// variables.
fn environment_attribute(name: &str) -> bool {
    const NAMES: [&str; 5] = [
        "environment",
        "environment_variables",
        "env",
        "containerdefinitions",
        "container_definitions",
    ];
    let last = last_segment(name);
    NAMES.iter().any(|word| last.eq_ignore_ascii_case(word))
}

/// What follows the last `.` of an attribute name (`Properties.Environment`
/// gives `Environment`), or the whole name.
fn last_segment(name: &str) -> &str {
    match name.bytes().rposition(|b| b == b'.') {
        Some(at) => &name[at + 1..],
        None => name,
    }
}

/// Withholds what must be withheld from one attribute of a node of `kind`
/// and provider type `raw_type`, as it enters a fragment. Values already
/// redacted stay so; other values are returned unchanged when nothing in
/// them is secret.
pub fn redact(
    kind: NodeKind,
    raw_type: Option<&str>,
    name: &str,
    mut value: AttributeValue,
) -> AttributeValue {
    redact_in_place(kind, raw_type, name, &mut value);
    value
}

/// [`redact`] where the value stands: a value with nothing secret in it
/// (nearly every one) is read, not moved or copied.
fn redact_in_place(kind: NodeKind, raw_type: Option<&str>, name: &str, value: &mut AttributeValue) {
    if let Some(reason) = raw_type.and_then(|t| credential_reason(t, name)) {
        if !matches!(value, AttributeValue::Redacted { .. }) {
            *value = AttributeValue::redacted(reason);
        }
        return;
    }
    let last = last_segment(name);
    match value {
        AttributeValue::Known(json) => {
            if is_marker(json) {
                let json = std::mem::take(json);
                *value = AttributeValue::from_json(json);
                return;
            }
            if kind == NodeKind::EnvVar && name == "value" {
                match json {
                    Value::String(text) => match env_literal(text) {
                        Some(kept) => *text = kept,
                        None => *value = AttributeValue::redacted(LITERAL_ENV),
                    },
                    other => scrub_in_place(other, Context::Env),
                }
                return;
            }
            if credential_named(last) && holds_text(json) {
                *value = AttributeValue::redacted(NAMED_CREDENTIAL);
                return;
            }
            let context = if environment_attribute(name) {
                Context::Env
            } else {
                Context::Plain
            };
            scrub_in_place(json, context);
        }
        AttributeValue::Unknown { expression } => {
            // Only quoted literals and JSON documents are ever scrubbed; a
            // text with neither (`aws_sqs_queue.q.arn`) is kept as it is.
            if !expression.contains('"') && !looks_like_document(expression) {
                return;
            }
            *expression = if credential_named(last) {
                // `password = "${var.prefix}hunter2"`: the text itself may hold it.
                scrub_expression(expression, true)
            } else {
                let env_value = kind == NodeKind::EnvVar && name == "value";
                scrub_expression(expression, environment_attribute(name) || env_value)
            };
        }
        AttributeValue::Redacted { .. } => {}
    }
}

/// Runs [`redact`] over every attribute of `node`, plus the rules that need
/// two attributes of one node (an SSM parameter's value is a credential
/// when its type is `SecureString`). Idempotent. A node whose attributes
/// all entered through [`Node::set_attribute`] under its present kind and
/// type holds nothing this would change, and is not read again.
pub fn redact_node(node: &mut Node) {
    let (kind, raw_type) = (node.kind, node.raw_type);
    let stamp = crate::attribute::RedactedFor::of(kind, raw_type);
    if stamp.is_some() && node.attributes.redacted_for == stamp {
        return;
    }
    node.attributes
        .for_each_value_mut(|name, value| redact_in_place(kind, raw_type.as_deref(), name, value));
    withhold_secure_string(&mut node.attributes);
    node.attributes.redacted_for = stamp;
}

/// Whether an attribute named `name` takes part in the `SecureString` rule.
pub(crate) fn in_secure_string_rule(name: &str) -> bool {
    matches!(
        name,
        "type" | "Properties.Type" | "value" | "Properties.Value"
    )
}

/// Withholds the value of an SSM parameter whose type is `SecureString`.
pub(crate) fn withhold_secure_string(attributes: &mut Attributes) {
    let secure = ["type", "Properties.Type"].iter().any(|key| {
        attributes.get(key).is_some_and(|values| {
            values
                .values()
                .any(|v| v.known().and_then(Value::as_str) == Some(SECURE_STRING))
        })
    });
    if secure {
        attributes.for_each_value_mut(|name, value| {
            // A value withheld already keeps its reason, as in [`redact`].
            if matches!(name, "value" | "Properties.Value")
                && !matches!(value, AttributeValue::Redacted { .. })
            {
                *value = AttributeValue::redacted("SSM SecureString parameter value");
            }
        });
    }
}

fn holds_text(value: &Value) -> bool {
    match value {
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => items.iter().any(holds_text),
        Value::Object(map) => !is_reference(map) && map.values().any(holds_text),
        _ => false,
    }
}

/// `{"Ref": …}`, `{"Fn::GetAtt": …}`, `{"Fn::Sub": …}` and the other
/// CloudFormation intrinsics: a value that references, not a literal.
fn is_reference(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && map
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::") || k == "$unknown")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Ordinary configuration: only credential-named keys and URLs.
    Plain,
    /// Inside an environment block: literal values too.
    Env,
    /// The values of an environment map (`Variables`, `variables`,
    /// Kubernetes/ECS `{name, value}` lists).
    EnvValues,
}

fn scrub_value(mut value: Value, context: Context) -> Value {
    scrub_in_place(&mut value, context);
    value
}

/// Scrubs `value` where it stands: what holds nothing to withhold is left
/// as it is, without being copied (nearly every value is such).
fn scrub_in_place(value: &mut Value, context: Context) {
    match value {
        Value::String(text) => {
            if context == Context::EnvValues {
                match env_literal(text) {
                    Some(kept) => {
                        if kept != *text {
                            *text = kept;
                        }
                    }
                    None => *value = marker(LITERAL_ENV),
                }
            } else if context == Context::Env && looks_like_document(text) {
                // ECS `container_definitions` is JSON in a string.
                match serde_json::from_str::<Value>(text) {
                    Ok(inner) => *text = scrub_value(inner, Context::Env).to_string(),
                    Err(_) => strip_in_place(text),
                }
            } else {
                strip_in_place(text);
            }
        }
        Value::Array(items) => {
            for item in items {
                scrub_in_place(item, context);
            }
        }
        Value::Object(map) => {
            if is_marker_map(map) {
                return;
            }
            if is_reference(map) {
                // A reference stays; only credentials in its URLs go.
                for item in map.values_mut() {
                    scrub_in_place(item, Context::Plain);
                }
                return;
            }
            // `{"name": "X", "value": "…"}`: one environment variable of a
            // container or a Kubernetes pod.
            let pair = context != Context::Plain && name_value_pair(map);
            for (key, item) in map.iter_mut() {
                let is = |word: &str| key.eq_ignore_ascii_case(word);
                if credential_named(key) && holds_text(item) {
                    *item = marker(NAMED_CREDENTIAL);
                } else if (pair && is("value")) || (context != Context::Plain && is("variables")) {
                    scrub_in_place(item, Context::EnvValues);
                } else if is("environment") || is("env") {
                    scrub_in_place(item, Context::Env);
                } else if context == Context::EnvValues {
                    // A map of variables nested under a variable: keep going.
                    scrub_in_place(item, Context::EnvValues);
                } else {
                    scrub_in_place(item, context);
                }
            }
        }
        _ => {}
    }
}

/// [`strip_all_userinfo`] where the text stands, copying only on a change.
fn strip_in_place(text: &mut String) {
    if may_hold_userinfo(text) {
        *text = strip_all_userinfo(text);
    }
}

fn is_marker_map(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && matches!(
            map.get(crate::attribute::REDACTED_KEY),
            Some(Value::String(_))
        )
}

fn name_value_pair(map: &Map<String, Value>) -> bool {
    map.keys().any(|k| k.eq_ignore_ascii_case("name"))
        && map.keys().any(|k| k.eq_ignore_ascii_case("value"))
}

fn looks_like_document(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with('[') || t.starts_with('{')
}

/// Scrubs the source text of an unknown value (HCL or a JSON rendering of
/// a template fragment): userinfo leaves URLs, a quoted string right after a
/// credential-named key becomes `"<redacted>"`, and in an environment block
/// (`env`) so does every quoted literal value that is not plainly
/// non-secret. Strings holding an interpolation (`"${aws_sqs_queue.q.url}"`)
/// reference something and stay. JSON text is scrubbed structurally.
pub fn scrub_expression(expression: &str, env: bool) -> String {
    let context = if env { Context::Env } else { Context::Plain };
    if looks_like_document(expression)
        && let Ok(value) = serde_json::from_str::<Value>(expression)
    {
        let mut scrubbed = scrub_value(value, context);
        scrubbed.sort_all_objects();
        return scrubbed.to_string();
    }
    scrub_text(expression, env)
}

const REDACTED_LITERAL: &str = "\"<redacted>\"";

/// Token-level scrub of HCL-like text: walks quoted strings, and decides
/// each by the key before it (`key = "…"`, `key: "…"`).
///
/// What stays is copied in runs, from where the last change ended: nearly
/// every text has nothing to withhold and is copied once, at the end.
fn scrub_text(text: &str, env: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    // `text[kept..i]` is yet to be copied as it is.
    let mut kept = 0;
    let mut i = 0;
    let mut last_key: &str = "";
    let mut after_assign = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'"' {
            // Find the closing quote, honouring escapes.
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                if bytes[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            let end = (j + 1).min(bytes.len());
            let literal = &text[i..end];
            let inner = literal
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(&literal[1.min(literal.len())..]);
            let interpolates = inner.contains("${");
            let secret_key = after_assign && credential_named(last_key);
            let withheld_literal =
                env && after_assign && !interpolates && env_literal(inner).is_none();
            if (secret_key && !inner.is_empty()) || withheld_literal {
                out.push_str(&text[kept..i]);
                out.push_str(REDACTED_LITERAL);
                kept = end;
            } else if may_hold_userinfo(literal) {
                out.push_str(&text[kept..i]);
                out.push_str(&strip_all_userinfo(literal));
                kept = end;
            }
            // A quoted key (`"API_TOKEN" = …`) names the next value.
            if !after_assign {
                last_key = inner;
            }
            after_assign = false;
            i = end;
            continue;
        }
        if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-' | b'.'))
            {
                i += 1;
            }
            if after_assign {
                // `key = other.reference`: the value was not a literal.
                after_assign = false;
            } else {
                last_key = &text[start..i];
            }
            continue;
        }
        if c == b'=' || c == b':' {
            after_assign = !(c == b'=' && bytes.get(i + 1) == Some(&b'='));
        } else if !c.is_ascii_whitespace() {
            after_assign = false;
        }
        // One whole character (text may be UTF-8): only ASCII bytes start
        // a token, and a character's other bytes are never ASCII.
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    out.push_str(&text[kept..]);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secure_string_values_are_withheld_whichever_attribute_comes_first() {
        for type_first in [true, false] {
            let mut node = Node::new("p", NodeKind::Other, "p").with_raw_type("aws_ssm_parameter");
            let set_type = |node: &mut Node| {
                node.set_attribute(crate::Origin::Declared, "type", json!("SecureString"));
            };
            if type_first {
                set_type(&mut node);
            }
            node.set_attribute(crate::Origin::Declared, "value", json!("s3cr3t-value"));
            node.set_attribute(crate::Origin::Observed, "value", json!("s3cr3t-value"));
            if !type_first {
                set_type(&mut node);
            }
            let values = node.attributes.get("value").expect("value kept");
            assert_eq!(values.len(), 2);
            for value in values.values() {
                assert_eq!(
                    *value,
                    AttributeValue::redacted("SSM SecureString parameter value"),
                    "type first: {type_first}"
                );
            }
            // The build's pass finds nothing more to do.
            let before = node.clone();
            redact_node(&mut node);
            assert_eq!(node, before);
        }
    }

    #[test]
    fn a_node_retyped_after_its_attributes_were_set_is_read_again() {
        let mut node = Node::new("db", NodeKind::Other, "db");
        node.set_attribute(crate::Origin::Declared, "master_password", json!("hunter2"));
        node.set_attribute(crate::Origin::Declared, "engine", json!("postgres"));
        // Named like a credential: withheld already, whatever the type.
        assert!(matches!(
            node.attributes
                .get("master_password")
                .and_then(|v| v.get(&crate::Origin::Declared)),
            Some(AttributeValue::Redacted { .. })
        ));
        let mut node = Node::new("q", NodeKind::Other, "q");
        node.set_attribute(crate::Origin::Declared, "value", json!("a literal"));
        // Set directly, after the value: only the build's pass sees it.
        node.kind = NodeKind::EnvVar;
        redact_node(&mut node);
        assert_eq!(
            node.attributes
                .get("value")
                .and_then(|v| v.get(&crate::Origin::Declared)),
            Some(&AttributeValue::redacted(LITERAL_ENV))
        );
    }

    #[test]
    fn credential_names() {
        for yes in [
            "password",
            "MasterUserPassword",
            "db_password",
            "AuthToken",
            "api_token",
            "private_key_pem",
            "client_secret",
            "API_KEY",
        ] {
            assert!(credential_named(yes), "{yes}");
        }
        for no in [
            "password_policy",
            "secret_arn",
            "token_ttl",
            "NextToken",
            "manage_master_user_password_enabled",
            "kms_key_id",
        ] {
            assert!(!credential_named(no), "{no}");
        }
    }

    #[test]
    fn non_secret_literals() {
        for yes in [
            "30",
            "true",
            "eu-west-1",
            "us-gov-west-1",
            "https://api.example.com/v1",
            "arn:aws:sqs:eu-west-1:1:q",
            "",
        ] {
            assert!(plainly_non_secret(yes), "{yes}");
        }
        for no in [
            "tok-1234",
            "debug",
            "postgres://u:p@db/x",
            "orders-table",
            "eu-west",
        ] {
            assert!(!plainly_non_secret(no), "{no}");
        }
    }

    #[test]
    fn environment_maps_keep_names_and_references() {
        let value = json!({"Variables": {
            "API_TOKEN": "tok-secret",
            "TIMEOUT": "30",
            "TABLE": {"Ref": "Orders"},
            "DB": "postgres://app:pw@db.example.com:5432/app"
        }});
        let out = redact(
            NodeKind::Function,
            Some("AWS::Lambda::Function"),
            "Properties.Environment",
            AttributeValue::Known(value),
        );
        let text = serde_json::to_string(&out).unwrap_or_default();
        assert!(!text.contains("tok-secret"), "{text}");
        assert!(!text.contains("pw@"), "{text}");
        assert!(text.contains("\"TIMEOUT\":\"30\""), "{text}");
        assert!(text.contains("\"Ref\":\"Orders\""), "{text}");
        assert!(text.contains("API_TOKEN"), "{text}");
    }

    #[test]
    fn table_rows_win_over_everything() {
        let out = redact(
            NodeKind::Database,
            Some("aws_db_instance"),
            "password",
            AttributeValue::Known(json!("hunter2")),
        );
        assert_eq!(out, AttributeValue::redacted("RDS master password"));
    }

    #[test]
    fn unknown_hcl_text_is_scrubbed() {
        let text = r#"environment { variables = { QUEUE_URL = module.q.url, API_TOKEN = "tok-9", N = "3", URL = "${aws_sqs_queue.q.url}" } }"#;
        let out = scrub_expression(text, true);
        assert!(!out.contains("tok-9"), "{out}");
        assert!(out.contains("module.q.url"), "{out}");
        assert!(out.contains("\"3\""), "{out}");
        assert!(out.contains("${aws_sqs_queue.q.url}"), "{out}");
        let text = r#"{ password = "hunter2", user = "admin" }"#;
        let out = scrub_expression(text, false);
        assert!(!out.contains("hunter2") && out.contains("admin"), "{out}");
    }

    #[test]
    fn container_definitions_json_in_a_string() {
        let defs = json!([{"name": "web", "environment": [
            {"name": "API_KEY_ID", "value": "plain-but-literal"},
            {"name": "PORT", "value": "8080"}
        ]}])
        .to_string();
        let out = redact(
            NodeKind::Service,
            Some("aws_ecs_task_definition"),
            "container_definitions",
            AttributeValue::Known(Value::String(defs)),
        );
        let text = serde_json::to_string(&out).unwrap_or_default();
        assert!(!text.contains("plain-but-literal"), "{text}");
        assert!(text.contains("8080"), "{text}");
    }

    #[test]
    fn userinfo_leaves_urls_anywhere() {
        assert_eq!(
            strip_all_userinfo("see redis://:tok@cache:6379/0 and https://x.io"),
            "see redis://cache:6379/0 and https://x.io"
        );
        assert_eq!(strip_all_userinfo("a@b.com"), "a@b.com");
    }
}
