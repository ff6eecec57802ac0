"""Load and dump CloudFormation YAML, keeping short-form intrinsic functions (``!Ref``, ``!Sub``...).

PyYAML's safe loader rejects CloudFormation's tags; here each tag becomes a :class:`Tagged` value that
dumps back as the same tag, so a template survives a load/modify/dump round trip. Timestamps are not
resolved (``2010-09-09`` stays a string) and keys keep their order, so dumping is deterministic.
libyaml's parser and emitter do the work (ten times faster than PyYAML's pure-Python ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Tagged:
    """A value written with a YAML tag, e.g. ``!GetAtt Bucket.Arn``."""

    tag: str
    value: Any


class _Loader(yaml.CSafeLoader):
    pass


class _Dumper(yaml.CSafeDumper):
    pass


# Drop the timestamp resolver: CloudFormation reads `2010-09-09` as a string.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_tagged(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Tagged:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return Tagged("!" + tag_suffix, value)


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged) -> yaml.Node:
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value)
    return dumper.represent_scalar(data.tag, data.value)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Loader.add_multi_constructor("!", _construct_tagged)
_Dumper.add_representer(Tagged, _represent_tagged)
_Dumper.add_representer(str, _represent_str)


def loads(text: str) -> dict:
    document = yaml.load(text, Loader=_Loader)
    if not isinstance(document, dict):
        raise ValueError("a CloudFormation template must be a YAML mapping")
    return document


def dumps(document: dict) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,
    )
