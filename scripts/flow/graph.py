"""Which nodes an output needs, in an order where every node comes after its inputs.

The order follows the input wiring, never the order of the nodes in the file, and holds only what
the requested output needs: visualizations and side branches are never evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator

from scripts.flow.errors import FlowCycleError
from scripts.flow.model import Flow


def evaluation_order(flow: Flow, target: str) -> list[str]:
    """Depth-first over the inputs of ``target``; raise on a cycle, naming it."""
    order: list[str] = []
    done: set[str] = set()
    path = [target]
    pending: list[Iterator[str]] = [_upstream(flow, target)]
    while pending:
        upstream = next(pending[-1], None)
        if upstream is None:
            pending.pop()
            done.add(path[-1])
            order.append(path.pop())
        elif upstream in path:
            raise FlowCycleError([*path[path.index(upstream) :], upstream])
        elif upstream not in done:
            path.append(upstream)
            pending.append(_upstream(flow, upstream))
    return order


def readers(flow: Flow, order: list[str]) -> dict[str, list[str]]:
    """For each node of ``order``, the nodes of ``order`` that read one of its outputs (once per edge)."""
    result: dict[str, list[str]] = {node_id: [] for node_id in order}
    for node_id in order:
        for edge in flow.node(node_id).inputs:
            result[edge.node_id].append(node_id)
    return result


def _upstream(flow: Flow, node_id: str) -> Iterator[str]:
    return (edge.node_id for edge in flow.node(node_id).inputs)
