"""IAM error codes the simulator answers with, as AWS returns them (moto defines both)."""

from moto.iam.exceptions import InvalidInput, NoSuchEntity

__all__ = ["InvalidInput", "NoSuchEntity"]
