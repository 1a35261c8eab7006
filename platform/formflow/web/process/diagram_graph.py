"""The graph of a process diagram: its states and arrows (one per pair of states, named
after every transition between them), which arrows lead back, each state's layer and
the order of the states in a layer (by the mean position of their neighbours, sweeping
down and up a few times)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from formflow.metadata.model import JOIN, PREVIOUS, Process, humanize, text_of

SWEEPS = 4


@dataclass
class Edge:
    source: str
    target: str
    names: list[str] = field(default_factory=list)
    back: bool = False
    extra: bool = False


def process_graph(
    process: Process,
    moves: Sequence[tuple[str, str | None, str]],
    names: Mapping[str, str],
    lang: str,
) -> tuple[list[str], dict[str, str], list[Edge]]:
    states = [s.name for s in process.states]
    labels = {s.name: text_of(s.label, s.name, lang, names) for s in process.states}
    for _action, source, target in moves:  # states of a move the definition lacks
        for name in (source, target):
            if name and name not in labels:
                states.append(name)
                labels[name] = names.get(name) or humanize(name)
    edges: dict[tuple[str, str], Edge] = {}

    def add(source: str, target: str, name: str, extra: bool = False) -> None:
        edge = edges.setdefault((source, target), Edge(source, target, extra=extra))
        if name not in edge.names:
            edge.names.append(name)

    incoming: dict[str, list[str]] = {}
    for transition in process.transitions:
        if transition.to != PREVIOUS:
            for source in transition.sources:
                incoming.setdefault(transition.to, []).append(source)
    for transition in process.transitions:
        name = text_of(transition.label, transition.name, lang, names)
        for source in transition.sources:
            if source not in labels:
                continue
            if transition.to == PREVIOUS:
                for target in dict.fromkeys(incoming.get(source) or [process.start]):
                    if target != source:
                        add(source, target, name)
                        edges[(source, target)].back = True  # back where it came from
            elif transition.to in labels:
                add(source, transition.to, name)
            elif transition.to == JOIN and process.branch_of(source):
                add(source, process.branch_of(source)[0].name, name)  # back into the fork
    for state in process.states:
        for branch in state.parallel.branches if state.parallel else ():
            if branch.start in labels:
                add(state.name, branch.start, text_of(branch.label, branch.name, lang, names))
    for action, source, target in moves:
        if source and target and (source, target) not in edges:
            add(source, target, names.get(action) or humanize(action), extra=True)
    return states, labels, list(edges.values())


def mark_back_edges(states: list[str], start: str, edges: list[Edge]) -> None:
    """Depth first from ``start`` (then from any state not reached): an edge to a state
    on the current path leads back.  Edges towards states far from the start are followed
    first, so a way forward is taken as the way forward."""
    depth = _depths(states, start, edges)
    out: dict[str, list[Edge]] = {s: [] for s in states}
    for edge in edges:
        if not edge.back:
            out[edge.source].append(edge)
    for source in out:
        out[source].sort(key=lambda e: -depth[e.target])
    seen: set[str] = set()
    for root in [start, *states]:
        if root in seen:
            continue
        seen.add(root)
        path = {root}
        stack = [(root, iter(out[root]))]
        while stack:
            node, todo = stack[-1]
            edge = next(todo, None)
            if edge is None:
                stack.pop()
                path.discard(node)
                continue
            if edge.target == edge.source or edge.target in path:
                edge.back = True
            elif edge.target not in seen:
                seen.add(edge.target)
                path.add(edge.target)
                stack.append((edge.target, iter(out[edge.target])))


def _depths(states: list[str], start: str, edges: list[Edge]) -> dict[str, int]:
    """Shortest distance from ``start`` (breadth first); states not reached come last."""
    depth = {start: 0}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for edge in edges:
            if edge.source == node and edge.target not in depth:
                depth[edge.target] = depth[node] + 1
                queue.append(edge.target)
    far = max(depth.values(), default=0) + 1
    return {s: depth.get(s, far) for s in states}


def assign_layers(states: list[str], start: str, edges: list[Edge]) -> dict[str, int]:
    """Longest distance from the roots along the forward edges (Kahn's order)."""
    forward = [e for e in edges if not e.back]
    indegree = {s: 0 for s in states}
    for edge in forward:
        indegree[edge.target] += 1
    layer = {s: 0 for s in states}
    ready = [s for s in states if indegree[s] == 0]
    ready.sort(key=lambda s: s != start)  # the start first
    while ready:
        node = ready.pop(0)
        for edge in forward:
            if edge.source == node:
                layer[edge.target] = max(layer[edge.target], layer[node] + 1)
                indegree[edge.target] -= 1
                if indegree[edge.target] == 0:
                    ready.append(edge.target)
    return layer


def order_layers(layers: list[list[str]], chains: dict[int, list[str]]) -> None:
    """Order each layer by the mean position of its neighbours in the layer before
    (sweeping down) or after (sweeping up); ties keep the current order."""
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:], strict=False):
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    for sweep in range(SWEEPS):
        indexes = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        neighbours = up if sweep % 2 == 0 else down
        for i in indexes:
            other = layers[i - 1] if sweep % 2 == 0 else layers[i + 1]
            position = {name: p for p, name in enumerate(other)}
            current = {name: p for p, name in enumerate(layers[i])}

            def key(name: str, position=position, current=current, neighbours=neighbours) -> float:
                linked = [position[n] for n in neighbours.get(name, []) if n in position]
                return sum(linked) / len(linked) if linked else current[name]

            layers[i].sort(key=lambda name: (key(name), current[name]))


def edge_label(edge: Edge) -> str:
    return " / ".join(edge.names)
