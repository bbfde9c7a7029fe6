//! What code does with infrastructure, independent of the language it is
//! written in: the shared vocabulary of the Python and TypeScript parsers.
//!
//! A language parser finds a call (`sqs.send_message(QueueUrl=…)`,
//! `client.send(new SendMessageCommand({QueueUrl}))`) and asks this module
//! three things:
//!
//! - [`AwsService::from_client_name`] / [`AwsService::from_js_client`]: which
//!   service a client or resource object talks to;
//! - [`operation`]: what one operation on that service does, as an edge kind
//!   and the kind of node it touches, and which parameter names the resource;
//! - [`resource_alias`]: the alias that finds the declared resource from the
//!   literal the code names it by (a plain name, a queue URL, an ARN), the
//!   same aliases the IaC parsers give it.
//!
//! # Confidence
//!
//! Inferred evidence carries a confidence that follows how the resource name
//! was established, never how plausible the call looks:
//!
//! | how the name is known | confidence |
//! |---|---|
//! | a string literal at the call | [`confidence::LITERAL`] (0.9) |
//! | a module-level constant or a template with every part known | [`confidence::CONSTANT`] (0.85) |
//! | an environment variable that a declaration wires to the resource | [`confidence::ENV_BRIDGED`] (0.8) |
//! | an environment variable matched to a declaration by its name only | [`confidence::ENV_NAME_ONLY`] (0.4) |
//!
//! A name the code never fixes (a function parameter, a value computed at
//! run time) gives no resource edge; the parser says so with an info
//! diagnostic. The two environment-variable levels are assigned by the
//! graph when it resolves an [`AliasKind::EnvValue`] target; parsers emit
//! such a target through [`env_value_alias`].

mod aws;
mod sql;

pub use aws::{AwsService, Operation, operation};
pub(crate) use aws::{
    arn_parts, arn_resource, aws_scope, name_from_queue_url, unqualified_function_arn,
};
pub use sql::{SqlTableUse, starts_like_sql, tables_in_sql};

use infrawise_core::{Alias, AliasKind, NodeKind};

/// Confidence levels of inferred evidence; see the module docs.
pub mod confidence {
    /// The resource is named by a string literal at the call.
    pub const LITERAL: f64 = 0.9;
    /// The resource is named by a module-level constant, or a template
    /// string whose every part is known.
    pub const CONSTANT: f64 = 0.85;
    /// Named by an environment variable that the function's declaration
    /// wires to the resource.
    pub const ENV_BRIDGED: f64 = 0.8;
    /// Named by an environment variable matched to a declaration by name only.
    pub const ENV_NAME_ONLY: f64 = 0.4;
    /// An import resolved to a file of the scanned tree.
    pub const IMPORT_RESOLVED: f64 = 1.0;
    /// An SQL string that parses, naming its tables.
    pub const SQL_STRING: f64 = 0.85;
}

/// The id of the env-var node for a variable the code reads. Code reads a
/// variable of its process, so one node per name serves every module; the
/// graph bridges it to the variables functions declare.
pub fn env_var_id(name: &str) -> String {
    format!("env:{name}")
}

/// The target of a resource use whose name is the value of environment
/// variable `variable`: "the `kind` named by `$variable`".
pub fn env_value_alias(kind: NodeKind, variable: &str) -> Alias {
    Alias::new(AliasKind::EnvValue, Some(kind.as_str()), variable)
}

/// The handler key of function `function` defined at top level of the file
/// at `display_path` (relative to the scan root, `/`-separated):
/// `app/orders.py` + `handler` gives `app/orders.handler`; a package's
/// `__init__.py` or an `index` file stands for its directory as well, so
/// callers add both keys (see [`handler_keys`]).
pub fn handler_alias(key: impl Into<String>) -> Alias {
    Alias::new(AliasKind::Handler, None, key)
}

/// The handler keys of a top-level `function` in the file at
/// `display_path`: the path without its extension, then `.function`. An
/// `__init__.py` also answers for its package directory (Lambda's
/// `pkg.handler` names `pkg/__init__.py`).
pub fn handler_keys(display_path: &str, function: &str) -> Vec<String> {
    let stem = match display_path.rfind('.') {
        Some(dot) if dot > display_path.rfind('/').map_or(0, |slash| slash + 1) => {
            &display_path[..dot]
        }
        _ => display_path,
    };
    let mut keys = vec![format!("{stem}.{function}")];
    if let Some(package) = stem.strip_suffix("/__init__") {
        keys.push(format!("{package}.{function}"));
    }
    keys
}

/// The handler key a function declaration names: its code directory
/// (relative to the scan root, `/`-separated, `.` for the root) and its
/// handler string. The handler is split at its last `.` into module and
/// function; for Python runtimes, and when the runtime is unknown, dots in
/// the module part are package separators (`pkg.orders.handler` names
/// `pkg/orders.py`); for other runtimes (Node.js) the module part is a
/// path as written (`src/index.main`). `None` for a handler without a
/// function part, or a runtime whose handlers name no file (Java, .NET,
/// custom runtimes).
///
/// ```
/// use infrawise_parsers::code::handler_key;
/// assert_eq!(handler_key("app", "pkg.orders.handler", Some("python3.12")).as_deref(), Some("app/pkg/orders.handler"));
/// assert_eq!(handler_key("svc/dist", "src/index.main", Some("nodejs20.x")).as_deref(), Some("svc/dist/src/index.main"));
/// assert_eq!(handler_key(".", "worker.handler", None).as_deref(), Some("worker.handler"));
/// assert_eq!(handler_key("app", "com.acme.Handler::handleRequest", Some("java21")), None);
/// ```
pub fn handler_key(code_dir: &str, handler: &str, runtime: Option<&str>) -> Option<String> {
    let runtime = runtime.unwrap_or("");
    let python = runtime.is_empty() || runtime.starts_with("python");
    if !python && !runtime.starts_with("nodejs") {
        return None;
    }
    let (module, function) = handler.trim().rsplit_once('.')?;
    if module.is_empty() || function.is_empty() {
        return None;
    }
    let module = if python {
        module.replace('.', "/")
    } else {
        module.to_owned()
    };
    let module = module.trim_start_matches("./");
    let dir = code_dir.trim_end_matches('/');
    Some(if dir.is_empty() || dir == "." {
        format!("{module}.{function}")
    } else {
        format!("{dir}/{module}.{function}")
    })
}

/// The alias that finds a resource of `kind` that code names by `text`: a
/// plain name, an ARN, or (for queues) a queue URL. ARNs and URLs are taken
/// apart into the physical name, because that is the alias every declaration
/// has (Terraform and CloudFormation know names before they know ARNs). An
/// SSM parameter keeps its leading slash; an S3 URI (`s3://bucket/key`)
/// names its bucket. Returns `None` for text that names nothing (empty, or
/// an ARN of another service).
pub fn resource_alias(kind: NodeKind, text: &str) -> Option<Alias> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let name = if text.starts_with("arn:") {
        aws::name_from_arn(kind, text)?
    } else if kind == NodeKind::Queue
        && (text.starts_with("https://") || text.starts_with("http://"))
    {
        aws::name_from_queue_url(text)?
    } else if kind == NodeKind::Bucket {
        let bucket = text.strip_prefix("s3://").unwrap_or(text);
        bucket.split('/').next().unwrap_or(bucket).to_owned()
    } else {
        text.to_owned()
    };
    (!name.is_empty()).then(|| Alias::name(kind, name))
}

/// The text of a URL or host with any `user:password@` removed: code
/// constants and environment defaults can carry credentials, which never
/// enter the graph.
pub fn strip_userinfo(url: &str) -> String {
    infrawise_core::secret::strip_userinfo(url)
}

/// The endpoint an HTTP, Redis or Kafka client talks to, as the name of an
/// [`NodeKind::Endpoint`] node: scheme, host and port of `url` with
/// credentials, path and query dropped (`https://api.example.com`). A bare
/// host stays as given. `None` when there is no host.
pub fn endpoint_name(url: &str) -> Option<String> {
    let url = strip_userinfo(url.trim());
    let (scheme, rest) = match url.find("://") {
        Some(at) => (&url[..at + 3], &url[at + 3..]),
        None => ("", url.as_str()),
    };
    let host = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    (!host.is_empty()).then(|| format!("{scheme}{host}"))
}

/// Turns an operation name as any SDK spells it into boto3's snake case:
/// `SendMessageCommand` and `sendMessage` become `send_message`.
pub fn snake_operation(name: &str) -> String {
    let name = name.strip_suffix("Command").unwrap_or(name);
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else {
            out.push(c);
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use infrawise_core::NodeKind;

    use super::{endpoint_name, handler_keys, resource_alias, snake_operation, strip_userinfo};

    #[test]
    fn urls_and_arns_find_the_declared_name() {
        let check = |kind, text: &str, expected: Option<&str>| {
            assert_eq!(
                resource_alias(kind, text).map(|a| a.to_string()).as_deref(),
                expected,
                "{text}"
            );
        };
        check(
            NodeKind::Queue,
            "http://localhost:4566/000000000000/report-queue",
            Some("name[queue]:report-queue"),
        );
        check(
            NodeKind::Queue,
            "https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo",
            Some("name[queue]:orders.fifo"),
        );
        check(
            NodeKind::Queue,
            "arn:aws:sqs:eu-west-1:123456789012:report-queue",
            Some("name[queue]:report-queue"),
        );
        check(
            NodeKind::Table,
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/index/by-customer",
            Some("name[table]:orders"),
        );
        check(
            NodeKind::Bucket,
            "s3://assets/key/x.png",
            Some("name[bucket]:assets"),
        );
        check(
            NodeKind::Bucket,
            "arn:aws:s3:::assets",
            Some("name[bucket]:assets"),
        );
        check(
            NodeKind::Function,
            "arn:aws:lambda:eu-west-1:123456789012:function:resize:live",
            Some("name[function]:resize"),
        );
        check(
            NodeKind::Topic,
            "arn:aws:sns:eu-west-1:123456789012:invoices",
            Some("name[topic]:invoices"),
        );
        check(
            NodeKind::StateMachine,
            "arn:aws:states:eu-west-1:123456789012:stateMachine:checkout",
            Some("name[state_machine]:checkout"),
        );
        check(
            NodeKind::Parameter,
            "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db-host",
            Some("name[parameter]:/app/db-host"),
        );
        check(
            NodeKind::Parameter,
            "/app/db-host",
            Some("name[parameter]:/app/db-host"),
        );
        check(NodeKind::Queue, "arn:aws:sns:eu-west-1:1:topic", None);
        check(NodeKind::Queue, "  ", None);
    }

    #[test]
    fn operation_names_become_snake_case() {
        assert_eq!(snake_operation("SendMessageCommand"), "send_message");
        assert_eq!(snake_operation("sendMessage"), "send_message");
        assert_eq!(snake_operation("put_item"), "put_item");
        assert_eq!(snake_operation("BatchWriteItemCommand"), "batch_write_item");
    }

    #[test]
    fn handler_keys_follow_lambda_naming() {
        assert_eq!(
            handler_keys("app/orders.py", "handler"),
            ["app/orders.handler"]
        );
        assert_eq!(
            handler_keys("app/pkg/__init__.py", "main"),
            ["app/pkg/__init__.main", "app/pkg.main"]
        );
        assert_eq!(handler_keys("src/index.ts", "main"), ["src/index.main"]);
        assert_eq!(handler_keys("v1.2/run", "go"), ["v1.2/run.go"]);
    }

    #[test]
    fn credentials_never_survive_in_endpoints() {
        assert_eq!(
            strip_userinfo("redis://user:hunter2@cache.local:6379/0"),
            "redis://cache.local:6379/0"
        );
        assert_eq!(
            endpoint_name("https://bot:token@api.example.com/v1/x?y=1").as_deref(),
            Some("https://api.example.com")
        );
        assert_eq!(
            endpoint_name("cache.local:6379").as_deref(),
            Some("cache.local:6379")
        );
        assert_eq!(endpoint_name("https:///nohost"), None);
    }
}
