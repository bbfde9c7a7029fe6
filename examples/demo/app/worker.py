"""Order worker: drains the orders queue into the orders table."""
import json
import os

import boto3

sqs = boto3.client("sqs")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    for record in event["Records"]:
        order = json.loads(record["body"])
        table.put_item(Item=order)
    return {"processed": len(event["Records"])}
