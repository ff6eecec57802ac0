"""The launch rules of the portfolio's allow-lists, for the S3-delivered product template.

Through Service Catalog, the portfolio's launch template constraint (DataBucketsConstraint in
sm-project-sc-portfolio.yaml) checks a launch's parameters against the data buckets and source
connections the platform team allows. An S3-delivered template has no constraint, so ``make deploy``
writes the same rules into the published copy's own ``Rules`` section, where CloudFormation checks them
before anything is created. tests/local/test_s3_delivery.py holds the two to the same rules.
"""

from __future__ import annotations

from typing import Any


def allow_list_rules(buckets: list[str], connections: list[str]) -> dict[str, Any]:
    """The ``Rules`` that hold a launch to ``buckets`` and, with CodeConnections, to ``connections``."""
    listed = ", ".join(buckets)
    listed_connections = ", ".join(connections)
    return {
        "AllowedDataBucket": _allowed(
            "DataBucketName", buckets, f"the buckets this portfolio allows: {listed}"
        ),
        "AllowedFlowBucket": _allowed(
            "DataWranglerFlowBucket", buckets, f"the buckets this portfolio allows: {listed}"
        ),
        "AllowedConnection": {
            "RuleCondition": {"Fn::Equals": [{"Ref": "SourceRepository"}, "CodeConnections"]},
            **_allowed(
                "ConnectionArn",
                connections or [""],
                "the connections this portfolio allows (make deploy CONNECTIONS=...): " + listed_connections,
            ),
        },
    }


def _allowed(parameter: str, values: list[str], allowed: str) -> dict[str, Any]:
    return {
        "Assertions": [
            {
                "Assert": {"Fn::Contains": [list(values), {"Ref": parameter}]},
                "AssertDescription": f"{parameter} must be one of {allowed}",
            }
        ]
    }
