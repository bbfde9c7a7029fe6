"""Billing: reads orders, writes invoices, announces them."""
import os

import boto3

dynamodb = boto3.resource("dynamodb")
sns = boto3.client("sns")


def handler(event, context):
    orders = dynamodb.Table(os.environ["ORDERS_TABLE"])
    invoices = dynamodb.Table(os.environ["INVOICES_TABLE"])
    for order in orders.scan()["Items"]:
        invoices.put_item(Item={"invoice_id": order["order_id"], "total": order["total"]})
        sns.publish(TopicArn=os.environ["TOPIC_ARN"], Message=order["order_id"])
