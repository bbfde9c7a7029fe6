//! What CloudFormation resource types are: their node kind and the
//! property that holds their physical name.

use infrawise_core::NodeKind;

/// The node kind of a CloudFormation (or SAM) resource type.
pub(crate) fn node_kind(resource_type: &str) -> NodeKind {
    match resource_type {
        "AWS::SQS::Queue" => NodeKind::Queue,
        "AWS::SNS::Topic" => NodeKind::Topic,
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "AWS::Serverless::SimpleTable" => {
            NodeKind::Table
        }
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => NodeKind::Function,
        "AWS::S3::Bucket" => NodeKind::Bucket,
        "AWS::ApiGateway::RestApi"
        | "AWS::ApiGatewayV2::Api"
        | "AWS::Serverless::Api"
        | "AWS::Serverless::HttpApi"
        | "AWS::AppSync::GraphQLApi" => NodeKind::Api,
        "AWS::ApiGateway::Method" | "AWS::ApiGateway::Resource" | "AWS::ApiGatewayV2::Route" => {
            NodeKind::Route
        }
        "AWS::ApiGatewayV2::Integration" | "AWS::AppSync::DataSource" => NodeKind::Integration,
        "AWS::IAM::Role" => NodeKind::Role,
        "AWS::IAM::Policy"
        | "AWS::IAM::ManagedPolicy"
        | "AWS::SQS::QueuePolicy"
        | "AWS::SNS::TopicPolicy"
        | "AWS::S3::BucketPolicy"
        | "AWS::Lambda::Permission" => NodeKind::Policy,
        "AWS::SecretsManager::Secret" => NodeKind::Secret,
        "AWS::SSM::Parameter" => NodeKind::Parameter,
        "AWS::Logs::LogGroup" => NodeKind::LogGroup,
        "AWS::Events::Rule" | "AWS::Scheduler::Schedule" => NodeKind::EventRule,
        "AWS::Kinesis::Stream" | "AWS::KinesisFirehose::DeliveryStream" => NodeKind::Stream,
        "AWS::StepFunctions::StateMachine" | "AWS::Serverless::StateMachine" => {
            NodeKind::StateMachine
        }
        "AWS::EC2::VPC" => NodeKind::Network,
        "AWS::EC2::Subnet" => NodeKind::Subnet,
        "AWS::EC2::SecurityGroup" => NodeKind::SecurityGroup,
        "AWS::RDS::DBInstance"
        | "AWS::RDS::DBCluster"
        | "AWS::Neptune::DBCluster"
        | "AWS::Neptune::DBInstance"
        | "AWS::DocDB::DBCluster"
        | "AWS::Redshift::Cluster" => NodeKind::Database,
        "AWS::ElastiCache::CacheCluster"
        | "AWS::ElastiCache::ReplicationGroup"
        | "AWS::ElastiCache::ServerlessCache" => NodeKind::Cache,
        "AWS::ECS::Cluster" | "AWS::EKS::Cluster" | "AWS::EMR::Cluster" | "AWS::MSK::Cluster" => {
            NodeKind::Cluster
        }
        "AWS::ECS::Service" | "AWS::AppRunner::Service" => NodeKind::Service,
        "AWS::CloudFormation::Stack" | "AWS::Serverless::Application" => NodeKind::Stack,
        _ => NodeKind::Resource,
    }
}

/// The property holding the physical name of a resource type, if it has one.
pub(crate) fn name_property(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "AWS::SQS::Queue" => "QueueName",
        "AWS::SNS::Topic" => "TopicName",
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::GlobalTable" | "AWS::Serverless::SimpleTable" => {
            "TableName"
        }
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => "FunctionName",
        "AWS::S3::Bucket" => "BucketName",
        "AWS::IAM::Role" => "RoleName",
        "AWS::IAM::Policy" => "PolicyName",
        "AWS::IAM::ManagedPolicy" => "ManagedPolicyName",
        "AWS::Logs::LogGroup" => "LogGroupName",
        "AWS::Kinesis::Stream"
        | "AWS::SecretsManager::Secret"
        | "AWS::SSM::Parameter"
        | "AWS::Events::Rule"
        | "AWS::Scheduler::Schedule"
        | "AWS::Serverless::StateMachine" => "Name",
        "AWS::KinesisFirehose::DeliveryStream" => "DeliveryStreamName",
        "AWS::StepFunctions::StateMachine" => "StateMachineName",
        "AWS::ECS::Cluster" | "AWS::EKS::Cluster" | "AWS::ElastiCache::CacheCluster" => {
            "ClusterName"
        }
        "AWS::ECS::Service" => "ServiceName",
        "AWS::RDS::DBInstance" => "DBInstanceIdentifier",
        "AWS::RDS::DBCluster" => "DBClusterIdentifier",
        "AWS::ElastiCache::ReplicationGroup" => "ReplicationGroupId",
        "AWS::EC2::SecurityGroup" => "GroupName",
        _ => return None,
    })
}

/// The node kind a SAM policy-template parameter names (`QueueName` -> queue).
pub(crate) fn policy_parameter_kind(parameter: &str) -> Option<NodeKind> {
    Some(match parameter {
        "QueueName" => NodeKind::Queue,
        "TopicName" => NodeKind::Topic,
        "TableName" => NodeKind::Table,
        "BucketName" => NodeKind::Bucket,
        "FunctionName" => NodeKind::Function,
        "StreamName" => NodeKind::Stream,
        "StateMachineName" => NodeKind::StateMachine,
        "ParameterName" => NodeKind::Parameter,
        "SecretArn" | "TopicArn" | "QueueArn" | "StreamArn" => NodeKind::Other,
        _ => return None,
    })
}
