"""A CloudFormation template generated from the PynamoDB models, so the infrastructure cannot
drift from the code: every table (keys, indexes with their projections, TTL, on-demand
billing, point-in-time recovery, deletion protection, encryption, tags), the S3 bucket for
uploaded files with its lifecycle rule, and least-privilege managed policies for the
web/worker role and for the release step."""
from __future__ import annotations

from django.conf import settings

from portal.dynamo.registry import TABLE_MODELS
from portal.dynamo.operations.schema import table_definition

# What the web and worker processes do to items (transactions are authorised through these).
APP_TABLE_ACTIONS = sorted([
    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query",
    "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive",
])
APP_INDEX_ACTIONS = ["dynamodb:Query"]
# dynamo_migrate: create/check tables, indexes, TTL and the table settings.
RELEASE_ACTIONS = sorted([
    "dynamodb:CreateTable", "dynamodb:UpdateTable", "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive",
    "dynamodb:UpdateTimeToLive", "dynamodb:DescribeContinuousBackups", "dynamodb:UpdateContinuousBackups",
    "dynamodb:TagResource",
])
FILE_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
FILE_BUCKET_ACTIONS = ["s3:ListBucket"]  # the files sweeper lists the bucket; a missing key reads 404, not 403


def logical_id(basename: str) -> str:
    return "Table" + "".join(part.capitalize() for part in basename.split("_"))


def table_resource(model, *, prefix: str, pitr: bool, deletion_protection: bool, tags: list[dict]) -> dict:
    definition = table_definition(model, table_name=prefix + model.table_basename)
    ttl = definition.pop("TimeToLiveAttribute")
    properties = {
        **definition,
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": pitr},
        "DeletionProtectionEnabled": deletion_protection,
        "SSESpecification": {"SSEEnabled": True},  # KMS with the AWS-managed key
        "Tags": tags,
    }
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    # Data outlives the stack: deleting or replacing the stack never drops a table.
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": properties}


def _table_arns(ids: list[str], *, indexes: bool) -> list:
    arns = [{"Fn::GetAtt": [i, "Arn"]} for i in ids]
    if indexes:
        arns = [{"Fn::Sub": ["${Arn}/index/*", {"Arn": {"Fn::GetAtt": [i, "Arn"]}}]} for i in ids]
    return arns


def template(*, env: str, prefix: str, pitr: bool = True, deletion_protection: bool = True,
             files_retention_days: int = 365) -> dict:
    tags = [{"Key": "app", "Value": "formbridge"}, {"Key": "environment", "Value": env}]
    resources: dict[str, dict] = {}
    for model in TABLE_MODELS:
        resources[logical_id(model.table_basename)] = table_resource(
            model, prefix=prefix, pitr=pitr, deletion_protection=deletion_protection, tags=tags)
    table_ids = list(resources)
    resources["FilesBucket"] = {
        "Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "LifecycleConfiguration": {"Rules": [{
                "Id": "expire-uploaded-files", "Status": "Enabled",
                # Only the uploads' prefix: agency logos live beside it (FILES_S3_PREFIX-brand).
                **({"Prefix": f"{settings.FILES_S3_PREFIX.rstrip('/')}/"} if settings.FILES_S3_PREFIX else {}),
                "ExpirationInDays": files_retention_days,
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            }]},
            "Tags": tags,
        },
    }
    resources["AppPolicy"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "Description": f"Form-Bridge {env}: web and worker processes (items of its tables, its file bucket)",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Tables", "Effect": "Allow", "Action": APP_TABLE_ACTIONS,
                 "Resource": _table_arns(table_ids, indexes=False)},
                {"Sid": "Indexes", "Effect": "Allow", "Action": APP_INDEX_ACTIONS,
                 "Resource": _table_arns(table_ids, indexes=True)},
                {"Sid": "Files", "Effect": "Allow", "Action": FILE_ACTIONS,
                 "Resource": {"Fn::Sub": "${FilesBucket.Arn}/*"}},
                {"Sid": "FilesList", "Effect": "Allow", "Action": FILE_BUCKET_ACTIONS,
                 "Resource": {"Fn::GetAtt": ["FilesBucket", "Arn"]}},
            ]},
        },
    }
    resources["ReleasePolicy"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "Description": f"Form-Bridge {env}: release step (dynamo_migrate) on tables named {prefix}*",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Tables", "Effect": "Allow", "Action": RELEASE_ACTIONS,
                 "Resource": [{"Fn::Sub": f"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{prefix}*"}]},
            ]},
        },
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Form-Bridge {env}: DynamoDB tables (generated from the models by manage.py "
                       "dynamo_cloudformation), file bucket, IAM policies",
        "Resources": resources,
        "Outputs": {
            "FilesBucketName": {"Value": {"Ref": "FilesBucket"}},
            "AppPolicyArn": {"Value": {"Ref": "AppPolicy"}, "Description": "Attach to the web/worker role"},
            "ReleasePolicyArn": {"Value": {"Ref": "ReleasePolicy"}, "Description": "Attach to the release role"},
        },
    }
