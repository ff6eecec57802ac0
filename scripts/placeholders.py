"""Filling ``{{package:NAME}}`` placeholders in a parsed template, and proving none is left.

Templates name what only the packager knows (the staging bucket, content-addressed keys, the URL of
each published release) with tokens like ``{{package:seed-code-key}}``. Rendering walks the parsed
template rather than its text, so a token can only land in a value, never break the YAML, and every
token must be known: an unknown or leftover token is an error, not a silently broken template.

A list item that contains a per-release token (``version``, ``product-template-url``) is repeated
once per release, oldest first: that is how one template line becomes one provisioning artifact per
published version of the product.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scripts.cfn_yaml import Tagged
from scripts.errors import PlaceholderError

TOKEN = re.compile(r"\{\{package:([a-z0-9-]+)\}\}")
PER_RELEASE = frozenset({"version", "product-template-url"})


@dataclass(frozen=True)
class Release:
    version: str
    product_template_url: str

    def values(self) -> dict[str, str]:
        return {"version": self.version, "product-template-url": self.product_template_url}


def render(document: Any, values: Mapping[str, Any], releases: Sequence[Release] = ()) -> Any:
    """Return a copy of ``document`` with every token replaced; raise on unknown or leftover tokens."""
    rendered = _render(document, dict(values), releases, path="")
    leftovers = sorted(set(find_tokens(rendered)))
    if leftovers:
        raise PlaceholderError(
            "placeholders left after rendering: "
            + ", ".join(f"{{{{package:{name}}}}} at {path}" for name, path in leftovers)
            + ": give the packager a value for each or remove them from the template"
        )
    return rendered


def find_tokens(document: Any, path: str = "") -> list[tuple[str, str]]:
    """Every (token name, path) in ``document``; the path is dotted, e.g. ``Resources.Repo.Code``."""
    found: list[tuple[str, str]] = []
    if isinstance(document, str):
        found.extend((name, path or "<root>") for name in TOKEN.findall(document))
    elif isinstance(document, Tagged):
        found.extend(find_tokens(document.value, path))
    elif isinstance(document, dict):
        for key, value in document.items():
            found.extend(find_tokens(value, _join(path, key)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.extend(find_tokens(value, _join(path, index)))
    return found


def _render(node: Any, values: dict[str, Any], releases: Sequence[Release], path: str) -> Any:
    if isinstance(node, str):
        return _render_string(node, values, path)
    if isinstance(node, Tagged):
        return Tagged(node.tag, _render(node.value, values, releases, path))
    if isinstance(node, dict):
        return {key: _render(value, values, releases, _join(path, key)) for key, value in node.items()}
    if isinstance(node, list):
        rendered: list[Any] = []
        for index, item in enumerate(node):
            item_path = _join(path, index)
            if {name for name, _ in find_tokens(item)} & PER_RELEASE:
                if not releases:
                    raise PlaceholderError(
                        f"{item_path} is a per-release item but no release was given: "
                        "package with at least the current VERSION"
                    )
                for release in releases:
                    per_release = {**values, **release.values()}
                    rendered.append(_render(item, per_release, (), item_path))
            else:
                rendered.append(_render(item, values, releases, item_path))
        return rendered
    return node


def _render_string(text: str, values: dict[str, Any], path: str) -> Any:
    whole = TOKEN.fullmatch(text)
    if whole:
        return _value(whole.group(1), values, path)

    def substitute(match: re.Match) -> str:
        value = _value(match.group(1), values, path)
        if not isinstance(value, str):
            raise PlaceholderError(
                f"{{{{package:{match.group(1)}}}}} at {path} is embedded in text but its value is "
                "not a string: make it the whole value"
            )
        return value

    return TOKEN.sub(substitute, text)


def _value(name: str, values: dict[str, Any], path: str) -> Any:
    if name not in values:
        known = ", ".join(sorted(values)) or "none"
        raise PlaceholderError(
            f"unknown placeholder {{{{package:{name}}}}} at {path} (known: {known}): "
            "fix its name in the template"
        )
    return values[name]


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)
