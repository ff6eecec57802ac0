"""Load and dump CloudFormation YAML, keeping short-form intrinsic functions (``!Ref``, ``!Sub``...).

PyYAML's safe loader rejects CloudFormation's tags; here each tag becomes a :class:`Tagged` value that
dumps back as the same tag, so a template survives a load/modify/dump round trip. Timestamps are not
resolved (``2010-09-09`` stays a string) and keys keep their order, so dumping is deterministic.
libyaml's parser and emitter do the work (ten times faster than PyYAML's pure-Python ones).
A key written twice keeps its last value here, as in PyYAML; cfn-lint refuses it (the packager lints
the source templates too, so it never publishes a template built from such a source).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from scripts.errors import TemplateSyntaxError


@dataclass(frozen=True)
class Tagged:
    """A value written with a YAML tag, e.g. ``!GetAtt Bucket.Arn``."""

    tag: str
    value: Any


class TemplateLoader(yaml.CSafeLoader):
    """YAML as CloudFormation reads it: ``2010-09-09`` is a string, not a date (tags: subclasses)."""


class _Loader(TemplateLoader):
    pass


class _Dumper(yaml.CSafeDumper):
    pass


TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def construct_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """The plain value under a tag: a scalar, a list or a mapping."""
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _construct_tagged(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Tagged:
    return Tagged("!" + tag_suffix, construct_value(loader, node))


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


def loads(text: str, source: str = "<template>") -> dict:
    """Parse a template; ``source`` (its path) names it in a :class:`TemplateSyntaxError`, with the
    line, when it is not YAML or not a mapping."""
    try:
        document = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        raise TemplateSyntaxError(_syntax_message(error, text, source)) from None
    if not isinstance(document, dict):
        found = "nothing" if document is None else f"a {type(document).__name__}"
        raise TemplateSyntaxError(
            f"{source}:1: a CloudFormation template must be a YAML mapping, found {found}: fix the YAML"
        )
    return document


def _syntax_message(error: yaml.YAMLError, text: str, source: str) -> str:
    """One line: ``file:line: what is wrong (what the parser was doing, from which line)``."""
    if isinstance(error, yaml.reader.ReaderError):  # a character YAML does not allow
        line = text.count("\n", 0, error.position) + 1
        code = ord(error.character) if isinstance(error.character, str) else error.character
        return f"{source}:{line}: YAML syntax error, character #x{code:04x}: {error.reason}: fix the YAML"
    if not isinstance(error, yaml.MarkedYAMLError):
        return f"{source}: not valid YAML, {' '.join(str(error).split())}: fix the YAML"
    mark = error.problem_mark or error.context_mark
    where = f"{source}:{mark.line + 1}" if mark else source
    problem = " ".join((error.problem or "not valid YAML").split())
    context = ""
    if error.context:
        started = f" on line {error.context_mark.line + 1}" if error.context_mark else ""
        context = f" ({' '.join(error.context.split())}{started})"
    return f"{where}: YAML syntax error, {problem}{context}: fix the YAML"


def dumps(document: dict) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=10_000,
    )
