"""A BPMN collaboration with its layout, built from the graph's flows.

Semantics and diagram are decided together, once, here; the writer only
serialises. An end-to-end flow becomes one pool per domain (or horizontal
layer) it crosses. Inside a pool the steps follow each other with sequence
flows; a hand-off to another pool is a message flow carrying the information
entity, received by a message start event (the pool's first step) or an
intermediate message catch event (the flow comes back to the pool later).
So every flow node has an incoming and an outgoing sequence flow except the
start and end events, which is what BPMN linters and BPM engines expect.

A process's neighbourhood is the process as the one expanded pool, with its
producers above and its consumers below as black-box pools, joined by message
flows named after the information they carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Sizes follow bpmn-js's defaults, so a file opened there looks as drawn here.
TASK_W, TASK_H = 120.0, 80.0
EVENT = 36.0
GAP = 100.0  # between two step columns: room for an event and its arrows
COLUMN = TASK_W + GAP
LABEL_BAND = 30.0  # the pool's name, written vertically on its left
POOL_H = 170.0
POOL_GAP = 40.0  # pools never touch (linters count that as overlapping); message flows turn in the gap
ROW = POOL_H + POOL_GAP
BLACK_BOX_W, BLACK_BOX_H = 220.0, 70.0
PAD = 40.0


@dataclass(frozen=True)
class Bounds:
    x: float
    y: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def right(self) -> float:
        return self.x + self.width


@dataclass
class Node:
    """A flow node: ``task``, ``startEvent``, ``endEvent`` or ``intermediateCatchEvent``."""

    id: str
    kind: str
    name: str
    bounds: Bounds
    message: bool = False  # a message start or catch event
    iri: str | None = None  # the eTOM process a task stands for
    documentation: list[str] = field(default_factory=list)
    label: Bounds | None = None  # events carry their name below them


@dataclass
class SequenceFlow:
    id: str
    source: str
    target: str
    waypoints: list[tuple[float, float]]
    documentation: list[str] = field(default_factory=list)  # the information it carries (no label: see join)
    iri: str | None = None  # the eTOM data flow it follows


@dataclass
class Pool:
    id: str  # the participant
    name: str
    bounds: Bounds
    process_id: str | None = None  # None: a black-box pool
    iri: str | None = None
    documentation: list[str] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    flows: list[SequenceFlow] = field(default_factory=list)


@dataclass
class Message:
    id: str
    name: str
    iri: str | None = None  # the eTOM information entity


@dataclass
class MessageFlow:
    """Unnamed: the message it refers to names the information (bpmn.io shows it on the envelope)."""

    id: str
    source: str
    target: str
    message: str
    waypoints: list[tuple[float, float]]
    iri: str | None = None  # the eTOM data flow


@dataclass
class Collaboration:
    id: str
    name: str
    documentation: list[str]
    pools: list[Pool]
    messages: list[Message]
    message_flows: list[MessageFlow]

    def shapes(self) -> list[tuple[str, Bounds]]:
        """Every drawn shape (pools first, then their nodes), for checks and tests."""
        out = [(pool.id, pool.bounds) for pool in self.pools]
        out += [(node.id, node.bounds) for pool in self.pools for node in pool.nodes]
        return out


@dataclass(frozen=True)
class Step:
    number: int
    process: str  # identifier
    name: str
    iri: str
    pool: str  # key of the pool it sits in
    documentation: tuple[str, ...] = ()


@dataclass(frozen=True)
class Handoff:
    """The flow from step ``number`` to the next one."""

    number: int
    information: str
    flow_key: str
    flow_iri: str
    entity_iri: str | None


def safe_id(text: str) -> str:
    """An ``xs:ID`` fragment from a key or identifier (letters, digits, ``.``, ``-``, ``_``)."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-_") else "_" for ch in text)


def end_to_end(
    key: str,
    name: str,
    documentation: list[str],
    trigger: str,
    pools: list[tuple[str, str, str | None]],
    steps: list[Step],
    handoffs: dict[int, Handoff],
    words: dict[str, str],
) -> Collaboration:
    """The collaboration of an end-to-end flow; ``pools`` is (key, name, iri) top to bottom."""
    row = {pool_key: i for i, (pool_key, _, _) in enumerate(pools)}
    last = steps[-1].number
    left = LABEL_BAND + GAP  # room for the first start event
    width = left + len(steps) * COLUMN + EVENT + PAD

    def task_box(index: int, pool_key: str) -> Bounds:
        top = row[pool_key] * ROW
        return Bounds(left + index * COLUMN, top + (POOL_H - TASK_H) / 2, TASK_W, TASK_H)

    def event_box(x: float, pool_key: str) -> Bounds:
        top = row[pool_key] * ROW
        return Bounds(x, top + (POOL_H - EVENT) / 2, EVENT, EVENT)

    def label_below(box: Bounds) -> Bounds:
        return Bounds(box.cx - 45, box.bottom + 6, 90, 27)

    def label_above(box: Bounds, text: str) -> Bounds:
        height = 14.0 * max(1, -(-len(text) // 14))  # about 14 characters a line at bpmn-js's label width
        return Bounds(box.cx - 45, box.y - 6 - height, 90, height)

    def from_below(number: int) -> bool:
        """Whether the hand-off into step ``number`` comes up from a pool lower down."""
        return number > 1 and row[steps_pool(steps, number - 1)] > row[steps_pool(steps, number)]

    built: dict[str, Pool] = {}
    pool_ids = {pool_key: safe_id(pool_key) for pool_key, _, _ in pools}
    for pool_key, pool_name, iri in pools:
        pid = pool_ids[pool_key]
        built[pool_key] = Pool(
            id=f"Participant_{pid}",
            name=pool_name,
            bounds=Bounds(0, row[pool_key] * ROW, width, POOL_H),
            process_id=f"Process_{safe_id(key)}_{pid}",
            iri=iri,
        )
    task_ids = {step.number: f"Task_{step.number}" for step in steps}
    boxes = {step.number: task_box(i, step.pool) for i, step in enumerate(steps)}
    # The element of each step's pool that receives the hand-off from the step before (other pool).
    receivers: dict[int, tuple[str, Bounds]] = {}
    messages: dict[str, Message] = {}
    message_flows: list[MessageFlow] = []

    def join(pool: Pool, source: tuple[str, Bounds], target: tuple[str, Bounds], information=None, iri=None) -> None:
        # BPMN labels only the sequence flows that leave a decision; the information goes in documentation.
        (sid, sbox), (tid, tbox) = source, target
        pool.flows.append(
            SequenceFlow(
                id=f"Flow_{sid}_{tid}",
                source=sid,
                target=tid,
                waypoints=[(sbox.right, sbox.cy), (tbox.x, tbox.cy)],
                documentation=[information] if information else [],
                iri=iri,
            )
        )

    for pool_key, pool in built.items():
        own = [step for step in steps if step.pool == pool_key]
        previous: tuple[str, Bounds] | None = None  # last node placed, to join with a sequence flow

        for step in own:
            box = boxes[step.number]
            arrives_from_elsewhere = step.number > 1 and steps_pool(steps, step.number - 1) != pool_key
            if previous is None or arrives_from_elsewhere:
                handoff = handoffs.get(step.number - 1)
                ebox = event_box(box.x - (GAP + EVENT) / 2, pool_key)
                if previous is None and step.number == steps[0].number:
                    event = Node(
                        f"StartEvent_{pool_ids[pool_key]}", "startEvent", trigger, ebox, label=label_below(ebox)
                    )
                else:
                    # Its name goes on the side the message does not come from.
                    text = words["received"].format(information=handoff.information if handoff else "")
                    event = Node(
                        f"StartEvent_{pool_ids[pool_key]}" if previous is None else f"CatchEvent_{step.number}",
                        "startEvent" if previous is None else "intermediateCatchEvent",
                        text,
                        ebox,
                        message=True,
                        label=label_above(ebox, text) if from_below(step.number) else label_below(ebox),
                    )
                pool.nodes.append(event)
                if previous is not None:
                    join(pool, previous, (event.id, ebox))
                if event.message:
                    receivers[step.number] = (event.id, ebox)
                previous = (event.id, ebox)
            task = Node(
                task_ids[step.number],
                "task",
                f"{step.process} {step.name}",
                box,
                iri=step.iri,
                documentation=list(step.documentation),
            )
            pool.nodes.append(task)
            handoff = handoffs.get(step.number - 1)
            inside = previous is not None and previous[0] == task_ids.get(step.number - 1)
            join(
                pool,
                previous,
                (task.id, box),
                information=handoff.information if inside and handoff else None,
                iri=handoff.flow_iri if inside and handoff else None,
            )
            previous = (task.id, box)
        ebox = event_box(previous[1].right + (GAP - EVENT) / 2, pool_key)
        words_key = "done" if own[-1].number == last else "handed-over"
        end = Node(f"EndEvent_{pool_ids[pool_key]}", "endEvent", words[words_key], ebox, label=label_below(ebox))
        pool.nodes.append(end)
        join(pool, previous, (end.id, ebox))

    for step in steps[:-1]:
        nxt = next_step(steps, step.number)
        if nxt.pool == step.pool:
            continue
        handoff = handoffs[step.number]
        target_id, target = receivers[nxt.number]
        source = boxes[step.number]
        down = row[nxt.pool] > row[step.pool]
        # Leave the task through its top or bottom edge, turn in the gap next to the receiving pool,
        # and enter the event from above or below: never along a sequence flow.
        edge_y = row[nxt.pool] * ROW + (-POOL_GAP / 2 if down else POOL_H + POOL_GAP / 2)
        start_y = source.bottom if down else source.y
        end_y = target.y if down else target.bottom
        message = messages.setdefault(
            handoff.entity_iri or handoff.information,
            Message(
                id=f"Message_{len(messages) + 1}",
                name=handoff.information,
                iri=handoff.entity_iri,
            ),
        )
        message_flows.append(
            MessageFlow(
                id=f"MessageFlow_{step.number}_{nxt.number}",
                source=task_ids[step.number],
                target=target_id,
                message=message.id,
                waypoints=[(source.cx, start_y), (source.cx, edge_y), (target.cx, edge_y), (target.cx, end_y)],
                iri=handoff.flow_iri,
            )
        )
    return Collaboration(
        id=f"Collaboration_{safe_id(key)}",
        name=name,
        documentation=documentation,
        pools=list(built.values()),
        messages=list(messages.values()),
        message_flows=message_flows,
    )


def steps_pool(steps: list[Step], number: int) -> str:
    return next(step.pool for step in steps if step.number == number)


def next_step(steps: list[Step], number: int) -> Step:
    return next(step for step in steps if step.number > number)


@dataclass(frozen=True)
class Neighbour:
    process: str
    name: str
    iri: str
    information: str
    flow_key: str
    flow_iri: str
    entity_iri: str | None


def neighbourhood(
    focus: Step,
    producers: list[Neighbour],
    consumers: list[Neighbour],
    words: dict[str, str],
    documentation: list[str],
) -> Collaboration:
    """The process as one expanded pool; its producers above and consumers below as black-box pools."""
    per_row = max(len(producers), len(consumers), 1)
    width = max(per_row * (BLACK_BOX_W + PAD) + PAD, LABEL_BAND + 2 * GAP + TASK_W + 2 * EVENT + 2 * PAD)
    top_row = PAD if producers else 0.0
    pool_top = top_row + (BLACK_BOX_H + 3 * PAD if producers else 0.0)
    pool = Pool(
        id=f"Participant_{safe_id(focus.process)}",
        name=f"{focus.process} {focus.name}",
        bounds=Bounds(0, pool_top, width, POOL_H),
        process_id=f"Process_{safe_id(focus.process)}",
        iri=focus.iri,
        documentation=list(focus.documentation),
    )
    # The task is as wide as needed for every arrow to meet it at its own point.
    task_w = max(TASK_W, 60.0 * (per_row + 1))
    task = Bounds((width - task_w) / 2, pool_top + (POOL_H - TASK_H) / 2, task_w, TASK_H)
    start = Bounds(task.x - GAP / 2 - EVENT / 2, task.cy - EVENT / 2, EVENT, EVENT)
    end = Bounds(task.right + GAP / 2 - EVENT / 2, task.cy - EVENT / 2, EVENT, EVENT)
    task_id = f"Task_{safe_id(focus.process)}"
    pool.nodes = [
        Node(
            "StartEvent_1", "startEvent", words["start"], start, label=Bounds(start.cx - 45, start.bottom + 6, 90, 27)
        ),
        Node(
            task_id,
            "task",
            f"{focus.process} {focus.name}",
            task,
            iri=focus.iri,
            documentation=list(focus.documentation),
        ),
        Node("EndEvent_1", "endEvent", words["end"], end, label=Bounds(end.cx - 45, end.bottom + 6, 90, 27)),
    ]
    pool.flows = [
        SequenceFlow("Flow_start", "StartEvent_1", task_id, [(start.right, start.cy), (task.x, task.cy)]),
        SequenceFlow("Flow_end", task_id, "EndEvent_1", [(task.right, task.cy), (end.x, end.cy)]),
    ]
    pools = [pool]
    messages: dict[str, Message] = {}
    message_flows: list[MessageFlow] = []

    def row(side: list[Neighbour], y: float, role: str) -> None:
        offset = (width - len(side) * (BLACK_BOX_W + PAD) + PAD) / 2
        for i, item in enumerate(side):
            box = Bounds(offset + i * (BLACK_BOX_W + PAD), y, BLACK_BOX_W, BLACK_BOX_H)
            black = Pool(
                id=f"Participant_{role}_{i + 1}_{safe_id(item.process)}",
                name=f"{item.process} {item.name}",
                bounds=box,
                iri=item.iri,
            )
            pools.append(black)
            message = messages.setdefault(
                item.entity_iri or item.information,
                Message(id=f"Message_{len(messages) + 1}", name=item.information, iri=item.entity_iri),
            )
            meet_x = task.x + task_w * (i + 1) / (len(side) + 1)
            if role == "producer":
                source, target = black.id, task_id
                points = [(box.cx, box.bottom), (meet_x, task.y)]
            else:
                source, target = task_id, black.id
                points = [(meet_x, task.bottom), (box.cx, box.y)]
            message_flows.append(
                MessageFlow(
                    id=f"MessageFlow_{role}_{i + 1}",
                    source=source,
                    target=target,
                    message=message.id,
                    waypoints=points,
                    iri=item.flow_iri,
                )
            )

    row(producers, top_row, "producer")
    row(consumers, pool_top + POOL_H + 3 * PAD, "consumer")
    return Collaboration(
        id=f"Collaboration_{safe_id(focus.process)}",
        name=words["title"].format(process=f"{focus.process} {focus.name}"),
        documentation=documentation,
        pools=pools,
        messages=list(messages.values()),
        message_flows=message_flows,
    )
