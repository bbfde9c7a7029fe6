variable "env" {
  description = "Deployment environment"
  type        = string
  default     = "dev"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "tags" {
  type = map(string)
  default = {
    Team = "orders"
  }
}
