"""Templates as CloudFormation reads them, for ``Stack.parse_template`` (see patches).

moto loads YAML with PyYAML's full loader, so an unquoted ``Version: 2012-10-17`` becomes a ``date`` and
``2001-12-14T21:59:43Z`` a ``datetime``: values CloudFormation reads as strings and no handler or JSON
encoder expects. Here YAML scalars keep CloudFormation's types, short-form intrinsic functions become their
long form (``!GetAtt A.B.C`` is ``{"Fn::GetAtt": ["A", "B.C"]}``: the attribute is what follows the first
dot), and a body that is not YAML (JSON with tabs, say) is read as JSON.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from scripts.cfn_yaml import TemplateLoader, construct_value


class _LongFormLoader(TemplateLoader):
    pass


def _long_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value = construct_value(loader, node)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_LongFormLoader.add_multi_constructor("!", _long_form)


def parse(body: str) -> dict[str, Any]:
    try:
        return yaml.load(body, Loader=_LongFormLoader)
    except yaml.YAMLError:
        return json.loads(body)
