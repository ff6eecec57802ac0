"""AWS::CloudWatch::Alarm (metric alarms), through moto's CloudWatch backend."""

from __future__ import annotations

from typing import Any, ClassVar

from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.core.common_models import CloudFormationModel

from scripts.local.resources.common import (
    AlreadyExists,
    GetAttFromFields,
    InvalidRequest,
    as_bool,
    generated_name,
    reject_unsupported,
    replace_resource,
    required_properties,
)


class CfnAlarm(GetAttFromFields, CloudFormationModel):
    """AWS::CloudWatch::Alarm, which moto has no handler for: a metric alarm on one metric
    (``CloudWatchBackend.put_metric_alarm``). Ref: the alarm name; GetAtt Arn. Without AlarmName the
    alarm is named ``<stack>-<logical id>-<random>``. A new alarm is INSUFFICIENT_DATA, as on AWS.
    AlarmName replaces the alarm; every other property updates in place, as PutMetricAlarm does on
    AWS: the configuration is overwritten, the alarm's state and history are kept. An alarm on metric
    math (``Metrics``) is refused, as the emulator keeps no metrics to compute it from."""

    GET_ATT: ClassVar[dict[str, str]] = {"Arn": "arn"}

    _REQUIRED = ("ComparisonOperator", "EvaluationPeriods")
    _UNSUPPORTED = ("Metrics", "ThresholdMetricId")
    _KEPT = ("history", "state_reason", "state_reason_data", "state_value", "state_updated_timestamp")
    """What an update keeps of the alarm moto's PutMetricAlarm replaces."""

    def __init__(self, name: str, arn: str, account_id: str, region_name: str, named: str | None) -> None:
        self.name = name
        self.named = named
        """The AlarmName the template gave (None: the name was generated)."""
        self.arn = arn
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def _put(cls, backend: CloudWatchBackend, name: str, properties: dict[str, Any]):
        reject_unsupported(cls.cloudformation_type(), properties, cls._UNSUPPORTED)
        if not properties.get("MetricName"):
            raise InvalidRequest(
                "AWS::CloudWatch::Alarm: MetricName is required (the local emulator supports alarms on "
                "one metric, not on metric math)."
            )
        if properties.get("Statistic") and properties.get("ExtendedStatistic"):
            raise InvalidRequest(
                "AWS::CloudWatch::Alarm: set either Statistic or ExtendedStatistic, not both."
            )

        def optional_int(name: str) -> int | None:
            return int(properties[name]) if properties.get(name) is not None else None

        return backend.put_metric_alarm(
            name=name,
            namespace=properties.get("Namespace"),
            metric_name=properties["MetricName"],
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            datapoints_to_alarm=optional_int("DatapointsToAlarm"),
            period=optional_int("Period"),
            threshold=float(properties["Threshold"]) if properties.get("Threshold") is not None else None,
            statistic=properties.get("Statistic"),
            extended_statistic=properties.get("ExtendedStatistic"),
            description=properties.get("AlarmDescription"),
            dimensions=[
                {"Name": entry["Name"], "Value": str(entry["Value"])}
                for entry in properties.get("Dimensions") or []
            ],
            alarm_actions=list(properties.get("AlarmActions") or []),
            ok_actions=list(properties.get("OKActions") or []),
            insufficient_data_actions=list(properties.get("InsufficientDataActions") or []),
            unit=properties.get("Unit"),
            actions_enabled=as_bool(properties.get("ActionsEnabled"), True),
            treat_missing_data=properties.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=properties.get("EvaluateLowSampleCountPercentile"),
            tags=[{"Key": tag["Key"], "Value": str(tag["Value"])} for tag in properties.get("Tags") or []],
        )

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        properties = required_properties(cls, cloudformation_json)
        name = properties.get("AlarmName") or generated_name(resource_name, 255)
        backend = cloudwatch_backends[account_id][region_name]
        if name in backend.alarms:
            raise AlreadyExists(cls.cloudformation_type(), name)
        alarm = cls._put(backend, name, properties)
        alarm.state_value = "INSUFFICIENT_DATA"  # where AWS starts an alarm (moto starts it at OK)
        return cls(name, alarm.alarm_arn, account_id, region_name, properties.get("AlarmName"))

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        properties = required_properties(cls, cloudformation_json)
        if properties.get("AlarmName") != original_resource.named:
            return replace_resource(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        backend = cloudwatch_backends[account_id][region_name]
        before = backend.alarms[original_resource.name]
        backend.tagger.delete_all_tags_for_resource(original_resource.arn)
        alarm = cls._put(backend, original_resource.name, properties)
        for kept in cls._KEPT:
            setattr(alarm, kept, getattr(before, kept))
        return cls(original_resource.name, alarm.alarm_arn, account_id, region_name, original_resource.named)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = cloudwatch_backends[self.account_id][self.region_name]
        backend.delete_alarms([self.name])
        backend.tagger.delete_all_tags_for_resource(self.arn)
