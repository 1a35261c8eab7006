"""Which computed fields read which: the order a save evaluates them in, and the cycles
``formflow check`` reports.

A node is ``("", field)`` for a computed field of the record and ``(table, column)`` for
a computed line-item column (evaluated for every row at once).  A line-item column may
read its own row, its parent (``parent.total``) and the record may read a column of
every row (``sum(lines.amount)``), so the order mixes both kinds of node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from formflow.metadata.model import Entity, Field

Node = tuple[str, str]
#: The name chains an expression text reads (``a.b`` -> ``("a", "b")``); None when it
#: does not parse.
References = Callable[[str], Iterable[tuple[str, ...]] | None]


def computed_nodes(entity: Entity) -> dict[Node, tuple[str, Field]]:
    """Every computed field and column: node -> (JSON path of its ``compute``, field)."""
    nodes: dict[Node, tuple[str, Field]] = {}
    for i, field in enumerate(entity.fields):
        if field.compute:
            nodes[("", field.name)] = (f"fields/{i}/compute", field)
        for j, column in enumerate(field.fields if field.is_table else ()):
            if column.compute:
                nodes[(field.name, column.name)] = (f"fields/{i}/fields/{j}/compute", column)
    return nodes


def dependencies(entity: Entity, node: Node, chains: Iterable[tuple[str, ...]]) -> set[Node]:
    """The nodes (computed or not) the expression of ``node`` reads through ``chains``."""
    table_name = node[0]
    table = entity.field(table_name) if table_name else None
    found: set[Node] = set()
    for chain in chains:
        if table is not None:
            if table.column(chain[0]) is not None:
                found.add((table_name, chain[0]))
                continue
            if chain[0] != "parent" or len(chain) < 2:
                continue
            chain = chain[1:]
        field = entity.field(chain[0])
        if field is not None and field.is_table and len(chain) > 1:
            found.add((field.name, chain[1]))
        else:
            found.add(("", chain[0]))
    return found


def compute_graph(entity: Entity, references: References) -> dict[Node, list[Node]]:
    """Each computed node with the computed nodes it reads, in declaration order."""
    nodes = computed_nodes(entity)
    graph = {}
    for node, (_, field) in nodes.items():
        read = dependencies(entity, node, references(field.compute or "") or ())
        graph[node] = [other for other in nodes if other in read]
    return graph


def evaluation_order(
    entity: Entity, references: References
) -> tuple[tuple[Field | None, Field], ...]:
    """The computed nodes as ``(table field or None, computed field)``, each after the
    nodes it reads (a cycle, which ``formflow check`` refuses, is cut where it closes)."""
    graph = compute_graph(entity, references)
    ordered: list[Node] = []
    done: set[Node] = set()

    def visit(node: Node, path: tuple[Node, ...]) -> None:
        if node in done or node in path:
            return
        for dependency in graph[node]:
            visit(dependency, (*path, node))
        done.add(node)
        ordered.append(node)

    for node in graph:
        visit(node, ())
    nodes = computed_nodes(entity)
    return tuple(
        (entity.field(table) if table else None, nodes[(table, name)][1])
        for table, name in ordered
    )
