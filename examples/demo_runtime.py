#!/usr/bin/env python3
"""Writes the demo's runtime evidence (examples/demo/runtime/): what two
weeks of production looked like, as the standard tools export it.
Deterministic; run from the repository root:

    python3 examples/demo_runtime.py

- traces.jsonl: OpenTelemetry spans as the collector's file exporter
  writes them (OTLP JSON, one export request per line).
- inventory/: `aws lambda get-function-configuration` and
  `aws sqs get-queue-attributes --attribute-names All` output.
- metrics/: `aws cloudwatch get-metric-data` output with its query (a
  `.query.json` sidecar).

The story: the worker drains the orders queue as declared; the billing
function runs nightly but fails every time, so the invoice topic its code
publishes to has had nothing published for two weeks; and a "temporary"
backfill script, declared nowhere, has been rewriting orders in the
orders table.
"""
import json
import os

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo", "runtime"))

ACCOUNT, REGION = "123456789012", "eu-west-1"
START = 1762214400  # 2025-11-04T00:00:00Z
DAY = 86400


def ns(seconds):
    return str((START + seconds) * 1_000_000_000)


def s(key, value):
    return {"key": key, "value": {"stringValue": value}}


def names(key, values):
    return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in values]}}}


def span(trace, span_id, parent, name, kind, at, attributes, error=False):
    return {
        "traceId": trace, "spanId": span_id, "parentSpanId": parent, "flags": 257,
        "name": name, "kind": kind, "startTimeUnixNano": ns(at), "endTimeUnixNano": ns(at + 1),
        "attributes": attributes, "status": {"code": 2, "message": "AccessDenied"} if error else {},
    }


def request(resource, scope, spans):
    return {"resourceSpans": [{
        "resource": {"attributes": resource},
        "scopeSpans": [{"scope": {"name": scope, "version": "0.48b0"}, "spans": spans}],
        "schemaUrl": "https://opentelemetry.io/schemas/1.26.0",
    }]}


def lambda_resource(name):
    return [
        s("service.name", name), s("faas.name", name), s("cloud.provider", "aws"),
        s("cloud.region", REGION), s("cloud.account.id", ACCOUNT),
        s("cloud.resource_id", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"),
    ]


def aws_call(trace, span_id, parent, service, method, at, extra, kind=3, error=False):
    return span(trace, span_id, parent, f"{service}.{method}", kind, at,
                [s("rpc.system", "aws-api"), s("rpc.service", service), s("rpc.method", method)] + extra,
                error)


lines = []
for day in range(14):
    at = day * DAY + 3600
    # The worker: triggered by the orders queue, writes the orders table.
    trace = f"{day:08x}" + "a" * 24
    lines.append(request(lambda_resource("prod-shop-order-worker"), "opentelemetry.instrumentation.aws_lambda", [
        span(trace, f"{day:04x}a00000000001", "", "prod-shop-orders process", 5, at,
             [s("faas.trigger", "pubsub"), s("messaging.system", "aws_sqs"),
              s("messaging.operation.type", "process"), s("messaging.destination.name", "prod-shop-orders")]),
        aws_call(trace, f"{day:04x}a00000000002", f"{day:04x}a00000000001", "DynamoDB", "PutItem", at,
                 [s("db.system", "dynamodb"), names("aws.dynamodb.table_names", ["prod-shop-orders"])]),
    ]))
    # Billing, nightly: reads orders, writes an invoice, fails to publish.
    trace = f"{day:08x}" + "b" * 24
    lines.append(request(lambda_resource("prod-billing"), "opentelemetry.instrumentation.aws_lambda", [
        span(trace, f"{day:04x}b00000000001", "", "prod-billing", 2, at + 7200, [s("faas.trigger", "timer")],
             error=True),
        aws_call(trace, f"{day:04x}b00000000002", f"{day:04x}b00000000001", "DynamoDB", "Scan", at + 7200,
                 [s("db.system", "dynamodb"), names("aws.dynamodb.table_names", ["prod-shop-orders"])]),
        aws_call(trace, f"{day:04x}b00000000003", f"{day:04x}b00000000001", "DynamoDB", "PutItem", at + 7201,
                 [s("db.system", "dynamodb"), names("aws.dynamodb.table_names", ["prod-billing-invoices"])]),
    ]))
    # The backfill script, run by hand from a laptop: declared nowhere.
    if day >= 9:
        trace = f"{day:08x}" + "c" * 24
        lines.append(request([s("service.name", "orders-backfill"), s("telemetry.sdk.language", "python")],
                             "opentelemetry.instrumentation.botocore", [
            aws_call(trace, f"{day:04x}c0000000000{i}", "", "DynamoDB", "UpdateItem", at + 10000 + i,
                     [s("db.system", "dynamodb"), names("aws.dynamodb.table_names", ["prod-shop-orders"])])
            for i in range(1, 6)
        ]))

with open("traces.jsonl", "w") as out:
    for line in lines:
        out.write(json.dumps(line, separators=(",", ":")) + "\n")

os.makedirs("inventory", exist_ok=True)


def function(name, role, memory, timeout, handler, env, state="Active"):
    return {
        "FunctionName": name,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "Runtime": "python3.12",
        "Role": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "Handler": handler,
        "CodeSize": 2048,
        "Timeout": timeout,
        "MemorySize": memory,
        "LastModified": "2025-11-03T09:12:44.000+0000",
        "Version": "$LATEST",
        "Environment": {"Variables": env},
        "TracingConfig": {"Mode": "Active"},
        "State": state,
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["arm64"],
    }


with open("inventory/prod-shop-order-worker.json", "w") as out:
    json.dump(function("prod-shop-order-worker", "prod-shop-worker", 512, 20, "worker.handler", {
        "QUEUE_URL": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/prod-shop-orders",
        "TABLE_NAME": "prod-shop-orders",
    }), out, indent=4)
    out.write("\n")
with open("inventory/prod-billing.json", "w") as out:
    # TOPIC_ARN was removed by hand: the code's publish has nowhere to go.
    json.dump(function("prod-billing", "billing-BillingFunctionRole-1A2B3C4D5E6F", 512, 3, "billing.handler", {
        "INVOICES_TABLE": "prod-billing-invoices",
        "ORDERS_TABLE": "prod-shop-orders",
    }), out, indent=4)
    out.write("\n")
with open("inventory/prod-shop-orders.attributes.json", "w") as out:
    json.dump({"Attributes": {
        "QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:prod-shop-orders",
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "2",
        "ApproximateNumberOfMessagesDelayed": "0",
        "CreatedTimestamp": "1756980000",
        "LastModifiedTimestamp": "1762160000",
        "VisibilityTimeout": "60",
        "MaximumMessageSize": "262144",
        "MessageRetentionPeriod": "345600",
        "DelaySeconds": "0",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:prod-shop-orders-dlq",
                                     "maxReceiveCount": 5}, separators=(",", ":")),
        "ReceiveMessageWaitTimeSeconds": "20",
        "SqsManagedSseEnabled": "true",
    }}, out, indent=4)
    out.write("\n")

# Two weeks of CloudWatch metrics: `aws cloudwatch get-metric-data
# --cli-input-json file://metrics/two-weeks.query.json > metrics/two-weeks.json`.
os.makedirs("metrics", exist_ok=True)
QUERIES = [
    ("ordersSent", "AWS/SQS", "NumberOfMessagesSent", "QueueName", "prod-shop-orders"),
    ("ordersReceived", "AWS/SQS", "NumberOfMessagesReceived", "QueueName", "prod-shop-orders"),
    ("workerInvocations", "AWS/Lambda", "Invocations", "FunctionName", "prod-shop-order-worker"),
    ("workerErrors", "AWS/Lambda", "Errors", "FunctionName", "prod-shop-order-worker"),
    ("billingInvocations", "AWS/Lambda", "Invocations", "FunctionName", "prod-billing"),
    ("billingErrors", "AWS/Lambda", "Errors", "FunctionName", "prod-billing"),
    ("invoicesPublished", "AWS/SNS", "NumberOfMessagesPublished", "TopicName", "prod-billing-invoices"),
]
with open("metrics/two-weeks.query.json", "w") as out:
    json.dump({
        "MetricDataQueries": [
            {"Id": id, "MetricStat": {"Metric": {"Namespace": ns, "MetricName": name,
                                                 "Dimensions": [{"Name": dim, "Value": value}]},
                                      "Period": DAY, "Stat": "Sum"}, "ReturnData": True}
            for id, ns, name, dim, value in QUERIES
        ],
        "StartTime": "2025-11-04T00:00:00Z",
        "EndTime": "2025-11-18T00:00:00Z",
        "ScanBy": "TimestampDescending",
    }, out, indent=4)
    out.write("\n")
days = [f"2025-11-{d:02d}T00:00:00+00:00" for d in range(17, 3, -1)]
daily = {
    "ordersSent": [412, 398, 377, 455, 401, 389, 420, 433, 367, 380, 402, 415, 398, 410],
    "ordersReceived": [410, 399, 377, 450, 405, 389, 420, 431, 369, 380, 401, 415, 398, 411],
    "workerInvocations": [52, 50, 48, 57, 51, 49, 53, 55, 46, 48, 51, 52, 50, 52],
    "workerErrors": [0] * 14,
    # Nightly, and failing every night.
    "billingInvocations": [1] * 14,
    "billingErrors": [1] * 14,
    # Nothing published for two weeks: CloudWatch returns no datapoints.
    "invoicesPublished": [],
}
with open("metrics/two-weeks.json", "w") as out:
    json.dump({
        "MetricDataResults": [
            {"Id": id, "Label": name, "Timestamps": days[:len(daily[id])],
             "Values": [float(v) for v in daily[id]], "StatusCode": "Complete"}
            for id, _, name, _, _ in QUERIES
        ],
        "Messages": [],
    }, out, indent=4)
    out.write("\n")
