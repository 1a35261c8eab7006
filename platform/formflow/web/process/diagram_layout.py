"""The layout of a process diagram: boxes for the states, arrows for the transitions.

Pure: a :class:`~formflow.metadata.model.Process` and the record's moves in, a
:class:`Layout` out.  The layout is the classic layered one (Sugiyama): transitions that
lead back (send back, ``@previous``) are set aside so the rest is acyclic; each state's
layer is its longest distance from ``start`` (:mod:`formflow.web.process.diagram_graph`); an
arrow spanning several layers gets a waypoint in each layer it crosses, so it is routed
around the boxes rather than through them.  Layers run from left to right; arrows
leading back run below (or above) the boxes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from formflow.metadata.model import CANCELLED, Process
from formflow.web.process.diagram_graph import (
    assign_layers,
    edge_label,
    mark_back_edges,
    order_layers,
    process_graph,
)

BOX_HEIGHT = 40
BOX_MIN_WIDTH = 92
BOX_MAX_WIDTH = 210
BOX_PADDING = 26
ROW_GAP = 30
COLUMN_GAP_MIN = 64
COLUMN_GAP_MAX = 170
MARGIN = 16
START_MARK = 22  # room left of the start state for its entry mark
FONT_SIZE = 13
LABEL_SIZE = 11
LANE_STEP = 16
@dataclass(frozen=True)
class Box:
    """A state (or, with ``dummy``, a waypoint of a long arrow) placed on the drawing;
    ``x`` and ``y`` are its top-left corner."""

    name: str
    label: str
    layer: int
    order: int
    x: float
    y: float
    width: float
    height: float
    final: bool = False
    start: bool = False
    dummy: bool = False

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class Arrow:
    """Transitions from ``source`` to ``target`` (several names share one arrow).
    ``kind``: ``forward`` (to a later layer), ``back`` (to the same or an earlier layer)
    or ``loop`` (to itself); ``extra`` marks a move the definition does not draw (a
    withdraw or cancel, a move of an older version)."""

    source: str
    target: str
    label: str
    kind: str
    path: str
    label_x: float
    label_y: float
    extra: bool = False


@dataclass(frozen=True)
class Layout:
    boxes: Mapping[str, Box]  # states only (waypoints are folded into the arrows)
    arrows: tuple[Arrow, ...]
    layers: tuple[tuple[str, ...], ...]  # state names per layer, top to bottom
    width: float
    height: float


# -- text ---------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` draws at font ``size`` (wide CJK characters take a whole
    em, capitals a bit more than other letters)."""
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += size
        elif char.isupper():
            width += size * 0.68
        elif char in " .,:;'|il":
            width += size * 0.32
        else:
            width += size * 0.57
    return width


def fit(text: str, size: float, room: float) -> str:
    """``text`` cut with an ellipsis to fit in ``room``."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


# -- the layout -----------------------------------------------------------------------


def layout(
    process: Process,
    *,
    lang: str = "en",
    names: Mapping[str, str] | None = None,
    moves: Sequence[tuple[str, str | None, str]] = (),
) -> Layout:
    """Place the states of ``process`` in layers and route its transitions.  ``moves``
    are (action, from, to) of the record's moves: one the definition does not draw (a
    withdraw, a cancel) is drawn as an extra arrow."""
    names = names or {}
    states, labels, edges = process_graph(process, moves, names, lang)
    mark_back_edges(states, process.start, edges)
    layer_of = assign_layers(states, process.start, edges)
    finals = {s.name for s in process.states if s.final} | (
        {CANCELLED} if CANCELLED in labels and process.state(CANCELLED) is None else set()
    )

    # Waypoints: a forward edge spanning layers passes a dummy node in each between.
    chains: dict[int, list[str]] = {}
    count = max(layer_of.values(), default=0) + 1
    layers: list[list[str]] = [[] for _ in range(count)]
    for name in states:
        layers[layer_of[name]].append(name)
    dummy_layer: dict[str, int] = {}
    for index, edge in enumerate(edges):
        if edge.back:
            continue
        chain = [edge.source]
        for step in range(layer_of[edge.source] + 1, layer_of[edge.target]):
            # Arrows to the same state share their waypoints: they run together.
            dummy = f"\x00{edge.target}:{step}"
            if dummy not in dummy_layer:
                dummy_layer[dummy] = step
                layers[step].append(dummy)
            chain.append(dummy)
        chain.append(edge.target)
        chains[index] = chain

    order_layers(layers, chains)

    widths = {name: _box_width(labels[name]) for name in states}
    column_width = [max((widths.get(n, 0) for n in layer), default=0) for layer in layers]
    gaps = _column_gaps(layers, edges, chains, layer_of, dummy_layer)
    pitch = BOX_HEIGHT + ROW_GAP
    rows = max((len(layer) for layer in layers), default=1)
    top = MARGIN + LABEL_SIZE + 6  # room for the labels of arrows above the top row
    x = MARGIN + START_MARK
    boxes: dict[str, Box] = {}
    waypoints: dict[str, tuple[float, float]] = {}
    entries: dict[str, float] = {}  # where a waypoint's column begins
    for index, layer in enumerate(layers):
        offset = (rows - len(layer)) * pitch / 2
        for order, name in enumerate(layer):
            y = top + offset + order * pitch
            if name in dummy_layer:
                waypoints[name] = (x + column_width[index] / 2, y + BOX_HEIGHT / 2)
                entries[name] = x
                continue
            width = widths[name]
            boxes[name] = Box(
                name=name,
                label=labels[name],
                layer=index,
                order=order,
                x=x + (column_width[index] - width) / 2,
                y=y,
                width=width,
                height=BOX_HEIGHT,
                final=name in finals,
                start=name == process.start,
            )
        x += column_width[index] + (gaps[index] if index < len(gaps) else 0)
    body_bottom = top + rows * pitch - ROW_GAP
    arrows, below, above = _route(edges, chains, boxes, waypoints, entries, body_bottom, top)
    width = x + MARGIN
    height = body_bottom + below + MARGIN
    if above:  # arrows leading back over the top: shift everything down
        shift = above
        boxes = {n: _moved(b, shift) for n, b in boxes.items()}
        arrows, below, above = _route(
            edges,
            chains,
            boxes,
            {n: (px, py + shift) for n, (px, py) in waypoints.items()},
            entries,
            body_bottom + shift,
            top + shift,
        )
        height += shift
    return Layout(
        boxes=boxes,
        arrows=tuple(arrows),
        layers=tuple(tuple(n for n in layer if n not in dummy_layer) for layer in layers),
        width=round(width, 1),
        height=round(height, 1),
    )


def _moved(box: Box, dy: float) -> Box:
    return Box(
        box.name,
        box.label,
        box.layer,
        box.order,
        box.x,
        box.y + dy,
        box.width,
        box.height,
        box.final,
        box.start,
        box.dummy,
    )


def _box_width(label: str) -> float:
    # A little room beyond the estimate: the current state is drawn in bold.
    return max(BOX_MIN_WIDTH, min(BOX_MAX_WIDTH, text_width(label, FONT_SIZE) * 1.08 + BOX_PADDING))


def _column_gaps(layers, edges, chains, layer_of, dummy_layer) -> list[float]:
    """The gap after each layer: room for the widest label of an arrow leaving it."""
    widest = [0.0] * len(layers)
    for index, edge in enumerate(edges):
        if not edge.back and index in chains:
            widest[layer_of[edge.source]] = max(
                widest[layer_of[edge.source]], text_width(edge_label(edge), LABEL_SIZE)
            )
    return [max(COLUMN_GAP_MIN, min(COLUMN_GAP_MAX, w + 24)) for w in widest[:-1]]


def _route(edges, chains, boxes, waypoints, entries, bottom: float, top: float):
    """The SVG path of each arrow, and how far the arrows leading back reach below the
    boxes and above them."""
    arrows = []
    backs = []
    for index, edge in enumerate(edges):
        label = edge_label(edge)
        source, target = boxes[edge.source], boxes[edge.target]
        if edge.source == edge.target:
            x0 = source.x + source.width * 0.35
            x1 = source.x + source.width * 0.65
            y = source.y
            path = (
                f"M{x0:.1f},{y:.1f} C{x0:.1f},{y - 28:.1f} {x1:.1f},{y - 28:.1f} {x1:.1f},{y:.1f}"
            )
            arrows.append(
                Arrow(
                    edge.source, edge.target, label, "loop", path, (x0 + x1) / 2, y - 25, edge.extra
                )
            )
        elif edge.back:
            backs.append((abs(source.x - target.x), index, edge, _side(boxes, source, target)))
        else:
            chain = chains[index]
            points = [(source.x + source.width, source.middle)]
            points += [waypoints[name] for name in chain[1:-1]]
            points.append((target.x, target.middle))
            path = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
            for (px, py), (qx, qy) in zip(points, points[1:], strict=False):
                half = (qx - px) / 2
                path += f" C{px + half:.1f},{py:.1f} {qx - half:.1f},{qy:.1f} {qx:.1f},{qy:.1f}"
            # The label sits in the gap after the source, on the curve.
            (px, py), (qx, qy) = points[0], points[1]
            gap_end = entries[chain[1]] if len(chain) > 2 else qx
            label_x = (px + gap_end) / 2
            t = (label_x - px) / (qx - px) if qx > px else 0.5
            label_y = py + (qy - py) * (3 * t * t - 2 * t * t * t)
            arrows.append(
                Arrow(
                    edge.source, edge.target, label, "forward", path, label_x, label_y, edge.extra
                )
            )
    lanes = {"below": 0, "above": 0}
    for _span, _index, edge, side in sorted(backs, key=lambda item: item[:2]):  # short inside
        source, target = boxes[edge.source], boxes[edge.target]
        lanes[side] += 1
        reach = 10 + lanes[side] * LANE_STEP * 1.6
        sx = source.x + source.width / 2
        tx = target.x + target.width / 2
        if side == "below":
            lane, sy, ty = bottom + reach, source.y + source.height, target.y + target.height
        else:
            lane, sy, ty = top - reach, source.y, target.y
        path = f"M{sx:.1f},{sy:.1f} C{sx:.1f},{lane:.1f} {tx:.1f},{lane:.1f} {tx:.1f},{ty:.1f}"
        label_y = (sy + ty) / 8 + lane * 0.75  # a cubic's middle: 3/4 towards its controls
        arrows.append(
            Arrow(
                edge.source,
                edge.target,
                edge_label(edge),
                "back",
                path,
                (sx + tx) / 2,
                label_y,
                edge.extra,
            )
        )
    reach = {
        side: count * LANE_STEP * 1.6 + (LABEL_SIZE + 8 if count else 0)
        for side, count in lanes.items()
    }
    return _place_labels(arrows), reach["below"], reach["above"]


def _side(boxes: Mapping[str, Box], source: Box, target: Box) -> str:
    """Where an arrow leading back runs: below the boxes, or above them when that
    crosses fewer boxes of the two states' layers (none at all at the top or bottom)."""

    def between(box: Box, above: bool) -> int:
        return sum(
            1
            for other in boxes.values()
            if other.layer == box.layer and (other.y < box.y if above else other.y > box.y)
        )

    over = between(source, True) + between(target, True)
    under = between(source, False) + between(target, False)
    return "above" if over < under else "below"


def _place_labels(arrows: list[Arrow]) -> list[Arrow]:
    """Move a label off one already placed (up or down a line); a label repeating the
    text of one it would cover is left out (its arrow runs beside the other's)."""
    placed: list[tuple[float, float, float, float, str]] = []
    result = []
    height = LABEL_SIZE + 4
    for arrow in arrows:
        if not arrow.label:
            result.append(arrow)
            continue
        width = text_width(fit(arrow.label, LABEL_SIZE, COLUMN_GAP_MAX - 20), LABEL_SIZE) + 8
        chosen = None
        for shift in (0, height, -height, 2 * height, -2 * height):
            x, y = arrow.label_x, arrow.label_y + shift
            hits = [
                p
                for p in placed
                if abs(p[0] - x) * 2 < p[2] + width and abs(p[1] - y) * 2 < p[3] + height
            ]
            if not hits:
                chosen = (x, y)
                break
            if shift == 0 and any(p[4] == arrow.label for p in hits):
                break
        if chosen is None:
            result.append(replace(arrow, label=""))
            continue
        placed.append((*chosen, width, height, arrow.label))
        result.append(replace(arrow, label_x=chosen[0], label_y=chosen[1]))
    return result
