locals {
  prefix = "${var.env}-shop"
  tags   = merge(var.tags, { Environment = var.env })
}

module "orders_queue" {
  source = "./modules/queue"

  name               = "${local.prefix}-orders"
  visibility_timeout = 30
  tags               = local.tags
}

resource "aws_dynamodb_table" "orders" {
  name         = "${local.prefix}-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "order_id"

  attribute {
    name = "order_id"
    type = "S"
  }

  attribute {
    name = "customer_id"
    type = "S"
  }

  global_secondary_index {
    name            = "by-customer"
    hash_key        = "customer_id"
    projection_type = "ALL"
  }

  tags = local.tags
}

resource "aws_iam_role" "worker" {
  name = "${local.prefix}-worker"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "worker" {
  name = "orders-access"
  role = aws_iam_role.worker.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = module.orders_queue.arn
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:Query"]
        Resource = [aws_dynamodb_table.orders.arn, "${aws_dynamodb_table.orders.arn}/index/*"]
      },
    ]
  })
}

data "archive_file" "worker" {
  type        = "zip"
  source_dir  = "${path.module}/../app"
  output_path = "${path.module}/build/worker.zip"
}

resource "aws_lambda_function" "worker" {
  function_name = "${local.prefix}-order-worker"
  role          = aws_iam_role.worker.arn
  handler       = "worker.handler"
  runtime       = "python3.12"
  filename      = data.archive_file.worker.output_path
  memory_size   = 256
  timeout       = 20

  environment {
    variables = {
      QUEUE_URL  = module.orders_queue.url
      TABLE_NAME = aws_dynamodb_table.orders.name
    }
  }

  tags = local.tags
}

resource "aws_lambda_event_source_mapping" "worker_orders" {
  event_source_arn = module.orders_queue.arn
  function_name    = aws_lambda_function.worker.arn
  batch_size       = 10
}

resource "aws_s3_bucket" "archive" {
  bucket = "${local.prefix}-order-archive"
  tags   = local.tags
}

output "queue_url" {
  value = module.orders_queue.url
}
