//! API Gateway v2: `get-routes` and `get-integrations`.

use infrawise_core::{Alias, EdgeKind, NodeId, NodeKind};

use super::build::{Inventory, arn_target, json, text};
use super::list;
use crate::cloudformation::value::Value;
use crate::code;
use crate::runtime::node_id;

const ROUTE_TYPE: &str = "AWS::ApiGatewayV2::Route";
const INTEGRATION_TYPE: &str = "AWS::ApiGatewayV2::Integration";

pub(super) fn routes(inventory: &mut Inventory<'_>, root: &Value) {
    let api = text(root, "ApiId");
    for item in list(inventory, root, "Items") {
        let line = item.line;
        let (Some(route_id), Some(key)) = (text(item, "RouteId"), text(item, "RouteKey")) else {
            inventory.warn(Some(line), "route without RouteId or RouteKey");
            continue;
        };
        let id = node_id(NodeKind::Route, route_id);
        let node = inventory.node_with_id(
            id.clone(),
            NodeKind::Route,
            key,
            ROUTE_TYPE,
            format!("route {key}"),
            line,
        );
        node.aliases.insert(Alias::id(NodeKind::Route, route_id));
        for field in ["RouteKey", "AuthorizationType", "ApiKeyRequired", "Target"] {
            if let Some(value) = json(item, field) {
                inventory.attribute(&id, field, value);
            }
        }
        if let Some(api) = api {
            inventory.edge(
                NodeId::new(id.clone()),
                Alias::id(NodeKind::Api, api),
                EdgeKind::References,
                "ApiId",
                line,
            );
        }
        if let Some(integration) =
            text(item, "Target").and_then(|t| t.strip_prefix("integrations/"))
        {
            let line = item.entry("Target").map_or(line, |entry| entry.line);
            inventory.edge(
                NodeId::new(id),
                Alias::id(NodeKind::Integration, integration),
                EdgeKind::References,
                "Target",
                line,
            );
        }
    }
}

pub(super) fn integrations(inventory: &mut Inventory<'_>, root: &Value) {
    let api = text(root, "ApiId");
    for item in list(inventory, root, "Items") {
        let line = item.line;
        let Some(integration) = text(item, "IntegrationId") else {
            inventory.warn(Some(line), "integration without IntegrationId");
            continue;
        };
        let id = node_id(NodeKind::Integration, integration);
        let kind = text(item, "IntegrationType").unwrap_or("integration");
        let node = inventory.node_with_id(
            id.clone(),
            NodeKind::Integration,
            integration,
            INTEGRATION_TYPE,
            format!("{kind} integration"),
            line,
        );
        // An integration has an id, never a physical name.
        node.aliases.clear();
        node.aliases
            .insert(Alias::id(NodeKind::Integration, integration));
        for field in [
            "IntegrationType",
            "IntegrationMethod",
            "PayloadFormatVersion",
            "ConnectionType",
            "TimeoutInMillis",
        ] {
            if let Some(value) = json(item, field) {
                inventory.attribute(&id, field, value);
            }
        }
        if let Some(api) = api {
            inventory.edge(
                NodeId::new(id.clone()),
                Alias::id(NodeKind::Api, api),
                EdgeKind::References,
                "ApiId",
                line,
            );
        }
        let Some(uri) = text(item, "IntegrationUri") else {
            continue;
        };
        let line = item
            .entry("IntegrationUri")
            .map_or(line, |entry| entry.line);
        if let Some(target) = backend(uri) {
            if let Some(parts) = code::arn_parts(uri) {
                inventory.scope(parts.account, parts.region);
            }
            inventory.edge(
                NodeId::new(id),
                target,
                EdgeKind::References,
                "IntegrationUri",
                line,
            );
        }
    }
}

/// What an integration URI names: a Lambda function (its ARN, or the
/// `arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`
/// form), another AWS resource by ARN, or an HTTP endpoint (scheme and host).
fn backend(uri: &str) -> Option<Alias> {
    if let Some(rest) = uri.split_once("/functions/").map(|(_, rest)| rest) {
        let arn = rest.strip_suffix("/invocations").unwrap_or(rest);
        return arn_target(arn).map(|target| target.alias);
    }
    if uri.starts_with("arn:") {
        return arn_target(uri).map(|target| target.alias);
    }
    if uri.starts_with("https://") || uri.starts_with("http://") {
        return code::endpoint_name(uri).map(|name| Alias::name(NodeKind::Endpoint, name));
    }
    None
}

#[cfg(test)]
mod tests {
    use infrawise_core::{Alias, NodeKind};

    use super::backend;

    #[test]
    fn integration_uris_name_their_backend() {
        let function = Some(Alias::name(NodeKind::Function, "orders-api"));
        assert_eq!(
            backend("arn:aws:lambda:eu-west-1:123456789012:function:orders-api"),
            function
        );
        assert_eq!(
            backend(
                "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:orders-api/invocations"
            ),
            function
        );
        assert_eq!(
            backend("https://legacy.example.com/orders?key=1"),
            Some(Alias::name(
                NodeKind::Endpoint,
                "https://legacy.example.com"
            ))
        );
        assert_eq!(backend("vpclink"), None);
    }
}
