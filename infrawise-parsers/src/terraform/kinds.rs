//! Resource types to node kinds, and the attributes that carry a
//! resource's physical name. Shared by the HCL and state parsers so both
//! give the same node the same kind and aliases.

use infrawise_core::{Alias, NodeKind};

/// The node kind of a Terraform resource type and the attributes that
/// hold its physical name, most specific first.
pub(crate) fn type_info(raw_type: &str) -> (NodeKind, &'static [&'static str]) {
    use NodeKind as K;
    match raw_type {
        "aws_sqs_queue" => (K::Queue, &["name"]),
        "aws_sns_topic" => (K::Topic, &["name"]),
        "aws_dynamodb_table" | "aws_dynamodb_global_table" => (K::Table, &["name"]),
        "aws_glue_catalog_table" | "aws_timestreamwrite_table" | "aws_keyspaces_table" => {
            (K::Table, &["name", "table_name"])
        }
        "aws_lambda_function" => (K::Function, &["function_name"]),
        "aws_s3_bucket" => (K::Bucket, &["bucket"]),
        "aws_api_gateway_rest_api" | "aws_apigatewayv2_api" | "aws_appsync_graphql_api" => {
            (K::Api, &["name"])
        }
        "aws_api_gateway_resource" | "aws_api_gateway_method" | "aws_apigatewayv2_route" => {
            (K::Route, &["route_key"])
        }
        "aws_api_gateway_integration" | "aws_apigatewayv2_integration" => (K::Integration, &[]),
        "aws_iam_role" => (K::Role, &["name"]),
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => (K::Policy, &["name"]),
        "aws_secretsmanager_secret" => (K::Secret, &["name"]),
        "aws_ssm_parameter" => (K::Parameter, &["name"]),
        "aws_cloudwatch_log_group" => (K::LogGroup, &["name"]),
        "aws_cloudwatch_event_rule" | "aws_scheduler_schedule" => (K::EventRule, &["name"]),
        "aws_kinesis_stream" | "aws_kinesis_firehose_delivery_stream" => (K::Stream, &["name"]),
        "aws_sfn_state_machine" => (K::StateMachine, &["name"]),
        "aws_vpc" | "aws_default_vpc" => (K::Network, &[]),
        "aws_subnet" | "aws_default_subnet" => (K::Subnet, &[]),
        "aws_security_group" | "aws_default_security_group" => (K::SecurityGroup, &["name"]),
        "aws_rds_cluster" | "aws_docdb_cluster" | "aws_neptune_cluster" => {
            (K::Database, &["cluster_identifier"])
        }
        "aws_db_instance" | "aws_rds_cluster_instance" => (K::Database, &["identifier"]),
        "aws_elasticache_cluster" => (K::Cache, &["cluster_id"]),
        "aws_elasticache_replication_group" => (K::Cache, &["replication_group_id"]),
        "aws_ecs_cluster" | "aws_eks_cluster" => (K::Cluster, &["name"]),
        "aws_ecs_service" => (K::Service, &["name"]),
        "aws_ecs_task_definition" => (K::Service, &["family"]),
        "aws_eks_node_group" => (K::Service, &["node_group_name"]),
        "aws_eks_fargate_profile" => (K::Service, &["fargate_profile_name"]),
        _ => (K::Resource, &[]),
    }
}

/// The aliases a resource's attribute values give it: physical names
/// (scoped by kind), ARNs, queue URLs and provider ids.
pub(crate) fn aliases(
    kind: NodeKind,
    raw_type: &str,
    attribute: &dyn Fn(&str) -> Option<String>,
) -> Vec<Alias> {
    let (_, name_attributes) = type_info(raw_type);
    let mut out = Vec::new();
    if kind.is_deployable() {
        for name in name_attributes {
            if let Some(value) = attribute(name).filter(|v| !v.is_empty()) {
                out.push(Alias::name(kind, value));
                break;
            }
        }
    }
    if let Some(arn) = attribute("arn").filter(|v| v.starts_with("arn:")) {
        out.push(Alias::arn(arn));
    }
    if raw_type == "aws_sqs_queue"
        && let Some(url) = attribute("url").filter(|v| v.starts_with("https://"))
    {
        out.push(Alias::url(url));
    }
    if let Some(id) = attribute("id").filter(|v| !v.is_empty()) {
        if id.starts_with("arn:") && !id.contains('|') {
            out.push(Alias::arn(id));
        } else if id.starts_with("https://") {
            out.push(Alias::url(id));
        } else if kind.is_deployable() && !kind.is_generic() && !out.iter().any(|a| a.value == id) {
            out.push(Alias::id(kind, id));
        }
    }
    out
}
