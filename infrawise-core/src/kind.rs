//! Node and edge kinds.
//!
//! Kinds are closed, typed enums with an escape hatch (`Other`) for what no
//! variant names yet. The provider's own type string (`aws_sqs_queue`,
//! `AWS::SQS::Queue`) is never thrown away: it lives next to the kind in
//! [`Node::raw_type`](crate::Node::raw_type).

use serde::{Deserialize, Serialize};

string_enum! {
    /// What a node is.
    #[non_exhaustive]
    pub enum NodeKind {
        /// A message queue (SQS).
        Queue => "queue",
        /// A pub/sub topic (SNS).
        Topic => "topic",
        /// A table (DynamoDB, SQL).
        Table => "table",
        /// A secondary index of a table.
        Index => "index",
        /// A column of a table.
        Column => "column",
        /// An object-storage bucket (S3).
        Bucket => "bucket",
        /// A serverless function (Lambda).
        Function => "function",
        /// An HTTP/REST/WebSocket API.
        Api => "api",
        /// A route or method of an API.
        Route => "route",
        /// An integration between an API route and its backend.
        Integration => "integration",
        /// An IAM role.
        Role => "role",
        /// An IAM policy.
        Policy => "policy",
        /// A secret (Secrets Manager).
        Secret => "secret",
        /// A configuration parameter (SSM Parameter Store).
        Parameter => "parameter",
        /// A log group.
        LogGroup => "log_group",
        /// An event rule or schedule (EventBridge).
        EventRule => "event_rule",
        /// A data stream (Kinesis, DynamoDB stream).
        Stream => "stream",
        /// A state machine (Step Functions).
        StateMachine => "state_machine",
        /// A virtual network (VPC).
        Network => "network",
        /// A subnet.
        Subnet => "subnet",
        /// A security group or firewall rule set.
        SecurityGroup => "security_group",
        /// A database instance or cluster (RDS, Aurora).
        Database => "database",
        /// A cache cluster (ElastiCache).
        Cache => "cache",
        /// A container or compute cluster (ECS, EKS).
        Cluster => "cluster",
        /// A service running on a cluster, or a container task definition.
        Service => "service",
        /// A deployment stack (CloudFormation stack, CDK stack).
        Stack => "stack",
        /// A Terraform module instance.
        Module => "module",
        /// A module fetched from elsewhere (registry, git) and not read.
        ExternalModule => "external_module",
        /// An input variable or stack parameter.
        Variable => "variable",
        /// An output value or stack export.
        Output => "output",
        /// A local value.
        Local => "local",
        /// A provider configuration.
        Provider => "provider",
        /// A data source (a read of something managed elsewhere).
        DataSource => "data_source",
        /// A source-code module (Python module, TypeScript file).
        CodeModule => "code_module",
        /// A symbol defined in code (function, class, handler).
        CodeSymbol => "code_symbol",
        /// An environment variable.
        EnvVar => "env_var",
        /// A third-party package.
        ExternalPackage => "external_package",
        /// A network endpoint code talks to (an HTTP service, a Redis or
        /// Kafka broker) named by its host or URL.
        Endpoint => "endpoint",
        /// A database view or materialized view.
        View => "view",
        /// A managed resource with no more specific kind.
        Resource => "resource",
        /// Anything else that is not a deployable resource (a `terraform`
        /// settings block, say); the raw type says what. Resources of
        /// unknown type are [`NodeKind::Resource`].
        Other => "other",
    }
}

string_enum! {
    /// How one node depends on another. An edge `A -> B` always reads
    /// "A depends on B".
    #[non_exhaustive]
    pub enum EdgeKind {
        /// An explicit ordering dependency (`depends_on`, `DependsOn`).
        DependsOn => "depends_on",
        /// A reference from one declaration to another (`Ref`, `aws_x.y.arn`).
        References => "references",
        /// Containment: a stack contains a resource, a table contains an index.
        Contains => "contains",
        /// A code import.
        Imports => "imports",
        /// A call from one compute unit to another.
        Invokes => "invokes",
        /// An event source that triggers a function.
        Triggers => "triggers",
        /// A read of data.
        Reads => "reads",
        /// A write of data.
        Writes => "writes",
        /// A publish to a topic or queue.
        Publishes => "publishes",
        /// A subscription to a topic or stream.
        Subscribes => "subscribes",
        /// A foreign key between tables or columns.
        ForeignKey => "foreign_key",
        /// An index over a table or column.
        Indexes => "indexes",
        /// Configuration through an environment variable or parameter.
        ConfiguredBy => "configured_by",
        /// A declaration implemented by code (a function's handler).
        ImplementedBy => "implemented_by",
        /// A permission granted on a resource.
        Grants => "grants",
        /// A route that forwards to a backend.
        RoutesTo => "routes_to",
        /// A stack output exported under a name.
        ExportsValue => "exports_value",
        /// A consumer of an exported value.
        ImportsValue => "imports_value",
        /// A use of a provider configuration.
        UsesProvider => "uses_provider",
        /// A receive from a queue or stream (the consumer depends on it).
        Consumes => "consumes",
        /// A call to a service or endpoint (HTTP, RPC, SDK call with no data direction).
        Calls => "calls",
        /// Anything else; the evidence detail says what.
        Other => "other",
    }
}

impl NodeKind {
    /// Whether nodes of this kind are things a deployment creates and a
    /// runtime snapshot can see (a queue, a role), as opposed to
    /// declarations that only exist in source (a variable, an output, a
    /// module call, a code symbol). Staleness and drift only judge the former.
    pub const fn is_deployable(self) -> bool {
        !matches!(
            self,
            NodeKind::Variable
                | NodeKind::Output
                | NodeKind::Local
                | NodeKind::Provider
                | NodeKind::Module
                | NodeKind::ExternalModule
                | NodeKind::CodeModule
                | NodeKind::CodeSymbol
                | NodeKind::EnvVar
                | NodeKind::ExternalPackage
                | NodeKind::Column
                | NodeKind::Other
        )
    }

    /// Whether this kind says little (a generic resource or other), so that
    /// a more specific kind from another source should win when nodes merge.
    pub const fn is_generic(self) -> bool {
        matches!(self, NodeKind::Resource | NodeKind::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::{EdgeKind, NodeKind};
    use crate::{Format, Origin, Severity};

    /// Serde names and `as_str` names are one and the same, for every variant.
    #[test]
    fn serde_names_match_display_names() {
        fn check<T: serde::Serialize + std::fmt::Display + std::str::FromStr>(all: &[T]) {
            for value in all {
                let json = serde_json::to_string(value).unwrap_or_default();
                assert_eq!(json, format!("\"{value}\""));
                assert!(value.to_string().parse::<T>().is_ok());
            }
        }
        check(NodeKind::ALL);
        check(EdgeKind::ALL);
        check(Format::ALL);
        check(Origin::ALL);
        check(Severity::ALL);
    }
}
