"""Which regions the emulator serves: the regions AWS has, as botocore's endpoint data lists them.

moto keeps a backend per region it knows and fails with a bare ``KeyError`` on any other name, so
a region is checked before anything is created for it: by the server for every request (see
:mod:`scripts.local.failures`) and by the bootstrap before it sets an account up.
"""

from __future__ import annotations

from functools import lru_cache

from scripts.errors import KitError

EXAMPLES = ("us-east-1", "eu-west-1")


class RegionNotServedError(KitError):
    def __init__(self, region: str) -> None:
        super().__init__(
            f"the local AWS emulator cannot serve region {region!r}: AWS has no region of that name; "
            f"set REGION to one it has, e.g. {' or '.join(EXAMPLES)}"
        )


@lru_cache(maxsize=1)
def aws_regions() -> frozenset[str]:
    """Every region of every partition (aws, aws-cn, aws-us-gov, …)."""
    from botocore.loaders import create_loader

    partitions = create_loader().load_data("endpoints")["partitions"]
    return frozenset(region for partition in partitions for region in partition["regions"])


def exists(region: str) -> bool:
    return region in aws_regions()


def require(region: str) -> None:
    if not exists(region):
        raise RegionNotServedError(region)
