"""CloudFormation handlers for the resource types our templates use that moto handles not at all, or
not well enough (IAM managed policies and Lambda permissions: moto can neither update nor delete them;
SQS queues, SNS topics and event source mappings: see each class).

Each is a thin layer over moto's own backend for the service, so what a stack creates is what that
service's API shows. Ref and GetAtt return what the AWS CloudFormation reference documents; a type is
updated in place where AWS updates it and moto's backend can, otherwise the handler has no update
method and the stack engine replaces the resource. A property the emulator cannot honour fails the
resource with ``InvalidRequest`` naming it, rather than being dropped.

=============================== ================================================================
type                            moto internals called
=============================== ================================================================
AWS::S3::BucketPolicy           ``S3Backend.put_bucket_policy`` / ``delete_bucket_policy``
AWS::SQS::Queue                 ``SQSBackend.queues``, ``create_queue``, ``get_queue``,
                                ``set_queue_attributes`` (``Policy`` passed back: it resets what
                                it is not given), ``tag_queue`` / ``untag_queue``, ``delete_queue``
AWS::SQS::QueuePolicy           ``SQSBackend.set_queue_attributes`` (``Policy``)
AWS::SNS::Topic                 ``SNSBackend.topics``, ``create_topic``, ``get_topic``,
                                ``set_topic_attribute``, ``tag_resource`` / ``untag_resource``,
                                ``_find_subscription``, ``delete_topic``; ``Topic`` (for its ARN)
AWS::SNS::TopicPolicy           ``SNSBackend.set_topic_attribute`` (``policy``); ``Topic`` (for
                                SNS's default policy)
AWS::SNS::Subscription          ``SNSBackend.subscribe``, ``subscriptions``,
                                ``set_subscription_attributes``, ``unsubscribe``;
                                ``Subscription.attributes`` and ``subscription_arn`` (pending)
AWS::CloudWatch::Alarm          ``CloudWatchBackend.alarms``, ``put_metric_alarm``,
                                ``delete_alarms``, ``tagger``
AWS::Lambda::EventInvokeConfig  ``LambdaBackend.list_/put_/delete_function_event_invoke_config(s)``
AWS::Lambda::Permission         ``LambdaFunction.policy.add_statement``, ``remove_permission``
AWS::Lambda::EventSourceMapping ``LambdaBackend.create_/get_/update_/delete_event_source_mapping``
AWS::IAM::ManagedPolicy         ``ManagedPolicy.create_from_cloudformation_json``,
                                ``create_policy_version``, ``delete_policy_version``,
                                ``attach_/detach_*_policy``, ``delete_policy``
AWS::CodeBuild::Project         ``CodeBuildBackend.codebuild_projects``, ``create_project``,
                                ``delete_project``
AWS::CloudFormation::CustomResource  ``SNSBackend.publish`` (an SNS provider), ``LambdaBackend.get_function``;
and ``Custom::*``               ``parsing.CustomModel`` replaced (see scripts/local/patches.py)
AWS::CodePipeline::Pipeline     ``CodePipelineBackend.iam_backend.get_role_by_arn``, ``pipelines``
                                + ``CodePipeline`` (instead of ``create_pipeline``, see the class),
                                ``update_pipeline``, ``tag_resource`` / ``untag_resource``,
                                ``start_pipeline_execution``, ``delete_pipeline``
AWS::CloudTrail::Trail          ``CloudTrailBackend.trails``, ``create_trail``,
                                ``put_event_selectors``, ``put_insight_selectors``,
                                ``start_logging``, ``list_tags`` / ``remove_tags``, ``delete_trail``
=============================== ================================================================

AWS::Events::Rule keeps moto's handler: it stores targets as given (SqsParameters, RetryPolicy,
DeadLetterConfig included), and its update (delete, then create with the same name) is what AWS
shows afterwards; ``tests/local/test_resources_messaging.py`` pins both.

Each service has its module; importing this package registers them all with moto. Where moto has a
handler for the same type, ours is defined later and so is the one moto's type map keeps.
"""

from scripts.local.resources import (
    awslambda,
    cloudtrail,
    cloudwatch,
    codebuild,
    codepipeline,
    custom,
    iam,
    s3,
    sns,
    sqs,
)

__all__ = [
    "awslambda",
    "cloudtrail",
    "cloudwatch",
    "codebuild",
    "codepipeline",
    "custom",
    "iam",
    "s3",
    "sns",
    "sqs",
]
