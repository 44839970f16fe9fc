"""What goes where on the eTOM map: areas, verticals as columns, rows, and the process boxes in their cells.

Two views of any release:

* **classic** — the poster every eTOM user learned: Strategy, Infrastructure &
  Product (Strategy & Commit, Infrastructure Lifecycle Management, Product
  Lifecycle Management) beside Operations (Operations Support & Readiness,
  Fulfillment, Assurance, Billing); rows Market, Product & Customer /
  Service / Resource / Supplier/Partner (the ``etom:layer`` of the classic L1
  groupings and of the current domains); Enterprise Management below.
* **current** — the domains as rows (1.1 … 1.7, 1.12) and the current
  verticals (Strategy Management, Capability Management, Business Value
  Development | Operations Readiness & Support, Fulfillment, Assurance,
  Billing) as columns.

Conventions, so that the map never claims more than the graph says:

* An element in several verticals that are neighbouring columns is one box
  spanning them (as Customer Relationship Management spans Fulfillment,
  Assurance and Billing on TM Forum's poster). Verticals that are not
  neighbours are not bridged: the box sits in the leftmost run of neighbouring
  columns and names the others (``also``).
* An element with no stated vertical goes into its row's "no vertical stated"
  lane; a row (domain) none of whose elements has a vertical — the Enterprise
  domain — is drawn below the grid, like Enterprise Management on the poster.
* Verticals of the other scheme are translated column for column
  (``VERTICAL_COUNTERPART``). Classic elements whose vertical or layer the
  sources do not state are placed by their current counterparts (the
  processes whose ``etom:classicCounterpart`` they are) and marked
  ``inferred``.

Drilling in (``root=``) lays out the children of one element the same way:
one column per vertical they belong to.

For example::

    import etomkg
    kg = etomkg.open()
    model = build_map(kg, "26.0", view="current")
    [row.key for row in model.rows][:3], model.band.key
    # -> (['1.1', '1.2', '1.3'], '1.7')
    box = model.find("1.3.4")
    [model.columns[i].key for i in box.columns]
    # -> ['Fulfillment', 'Assurance', 'Billing']
    crm = build_map(kg, "26.0", root="1.3.4", lang="zh")
    crm.title, [c.label for c in crm.columns]
    # -> ('1.3.4 客户关系管理', ['运营就绪与支持', '开通', '保障', '计费'])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..catalog import LAYER_ORDER, VERTICAL_COUNTERPART, VERTICAL_ORDER, Catalog, Element
from ..errors import EtomkgError
from ..store import KnowledgeGraph

VIEWS: tuple[str, ...] = ("classic", "current")
LANGUAGES: tuple[str, ...] = ("en", "zh")
#: Area of each side of the grid, left to right (SIP, then Operations); Enterprise Management (1.3) is drawn below.
AREA_ORDER: tuple[str, ...] = ("1.2", "1.1")
ENTERPRISE_AREA = "1.3"

# Short names for "also in …" notes on boxes whose verticals are not neighbours.
_SHORT = {
    "en": {
        "Strategy & Commit": "S&C",
        "Infrastructure Lifecycle Management": "ILM",
        "Product Lifecycle Management": "PLM",
        "Operations Support & Readiness": "OSR",
        "Strategy Management": "SM",
        "Capability Management": "CM",
        "Business Value Development": "BVD",
        "Operations Readiness & Support": "ORS",
        "Fulfillment": "F",
        "Assurance": "A",
        "Billing": "B",
    },
}


class MapError(EtomkgError):
    """A map that cannot be drawn: unknown view, language or element."""


@dataclass(frozen=True)
class Column:
    key: str  # vertical notation
    label: str
    area: str | None  # classic area identifier (1.2 SIP, 1.1 OPS)


@dataclass
class AreaSpan:
    key: str
    label: str
    first: int  # column indexes, inclusive
    last: int


@dataclass
class Box:
    """A process on the map: one box, spanning neighbouring ``columns`` (indexes into ``MapModel.columns``)."""

    identifier: str
    label: str
    level: int
    columns: tuple[int, ...] = ()  # empty: no stated vertical
    also: tuple[str, ...] = ()  # short names of further verticals that are not neighbours
    also_labels: tuple[str, ...] = ()  # their full names (for titles and the list)
    inferred: bool = False  # placed by its current counterparts, not by a stated fact
    has_children: bool = False
    vertical_labels: tuple[str, ...] = ()  # every vertical, full names, for titles and the list


@dataclass
class Heading:
    """An element shown as a heading over part of a row (a classic L1 grouping) or of the band."""

    identifier: str
    label: str
    first: int = 0
    last: int = 0


@dataclass
class Row:
    key: str  # layer key (classic view) or L1 identifier (current view)
    label: str
    identifier: str | None = None  # element the row stands for, when it is one (a domain)
    notes: list[str] = field(default_factory=list)  # e.g. the domains a classic-view row gathers
    tone: str = ""  # layer key, for colour
    headings: list[Heading] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)  # with columns
    loose: list[Box] = field(default_factory=list)  # no stated vertical


@dataclass
class Group:
    heading: Heading | None
    boxes: list[Box]


@dataclass
class Band:
    """The full-width part below the grid: Enterprise Management / the Enterprise domain."""

    key: str
    label: str
    identifier: str | None
    groups: list[Group]


@dataclass
class MapModel:
    release: str
    view: str
    lang: str
    title: str
    columns: list[Column]
    areas: list[AreaSpan]
    rows: list[Row]
    band: Band | None = None
    unplaced: list[Box] = field(default_factory=list)
    root: Element | None = None
    ancestors: list[Element] = field(default_factory=list)
    release_title: str = ""

    def boxes(self) -> Iterator[Box]:
        """Every box of the map, in drawing order."""
        for row in self.rows:
            yield from row.boxes
            yield from row.loose
        if self.band:
            for group in self.band.groups:
                yield from group.boxes
        yield from self.unplaced

    def find(self, identifier: str) -> Box | None:
        return next((b for b in self.boxes() if b.identifier == identifier), None)

    @property
    def box_count(self) -> int:
        return sum(1 for _ in self.boxes())


def _check(view: str, lang: str) -> None:
    if view not in VIEWS:
        raise MapError(f"unknown map view {view!r}; choose one of: {', '.join(VIEWS)}")
    if lang not in LANGUAGES:
        raise MapError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")


def default_view(release: str) -> str:
    """The view a release was published in: the classic poster for the classic framework, domains otherwise."""
    return "classic" if release == "classic" else "current"


class _Placer:
    """Works out each element's verticals (in the view's scheme) and layer, stated or inferred."""

    def __init__(self, catalog: Catalog, release: str, view: str, lang: str) -> None:
        self.catalog, self.release, self.view, self.lang = catalog, release, view, lang
        self.table = catalog.release(release)
        self.scheme = "classic" if view == "classic" else "current"
        self.own_scheme = "classic" if release == "classic" else "current"
        self.order = VERTICAL_ORDER[self.scheme]
        self._inferred: dict[str, tuple[tuple[str, ...], str | None]] | None = None

    def columns(self, names: list[str] | None = None) -> list[Column]:
        names = list(self.order) if names is None else names
        out = []
        for name in names:
            grouping = self.catalog.vertical(self.scheme, name)
            out.append(
                Column(name, grouping.label(self.lang) if grouping else name, grouping.area if grouping else None)
            )
        return out

    def _translate(self, names: tuple[str, ...], from_scheme: str) -> tuple[str, ...]:
        if from_scheme == self.scheme:
            return names
        return tuple(VERTICAL_COUNTERPART.get(n, n) for n in names)

    def _counterpart_facts(self) -> dict[str, tuple[tuple[str, ...], str | None]]:
        """Classic identifier -> (verticals, layer) gathered from the newest release's counterparts."""
        if self._inferred is None:
            self._inferred = {}
            newest = self.catalog.kg.default_release
            if self.release == "classic" and newest != "classic":
                table = self.catalog.release(newest)
                gathered: dict[str, tuple[set[str], set[str]]] = {}
                for element in table:
                    if element.counterpart:
                        verticals, layers = gathered.setdefault(element.counterpart, (set(), set()))
                        verticals.update(element.verticals)
                        domain = table.get(".".join(element.identifier.split(".")[:2]))
                        if domain is not None and domain.layer:
                            layers.add(domain.layer)
                for classic_id, (verticals, layers) in gathered.items():
                    ranked = tuple(n for n in VERTICAL_ORDER["current"] if n in verticals)
                    self._inferred[classic_id] = (ranked, next(iter(layers)) if len(layers) == 1 else None)
        return self._inferred

    def verticals(self, element: Element) -> tuple[tuple[str, ...], bool]:
        """The element's verticals in the view's scheme, and whether they were inferred."""
        if element.verticals:
            return self._translate(element.verticals, self.own_scheme), False
        inferred = self._counterpart_facts().get(element.identifier)
        if inferred and inferred[0]:
            return self._translate(inferred[0], "current"), True
        return (), False

    def layer(self, element: Element) -> tuple[str | None, bool]:
        """The layer of an element: its own, its parent's, else its counterparts' domain's (inferred)."""
        for candidate in (element, self.table.get(element.parent or "")):
            if candidate is not None and candidate.layer:
                return candidate.layer, False
        inferred = self._counterpart_facts().get(element.identifier)
        if inferred and inferred[1]:
            return inferred[1], True
        return None, False

    def box(self, element: Element, columns: list[Column]) -> Box:
        names, inferred = self.verticals(element)
        index = {c.key: i for i, c in enumerate(columns)}
        positions = sorted(index[n] for n in names if n in index)
        run: list[int] = []
        for position in positions:  # the leftmost run of neighbouring columns
            if run and position != run[-1] + 1:
                break
            run.append(position)
        others = [columns[p].key for p in positions if p not in run]
        vertical_labels = tuple(columns[p].label for p in positions)
        return Box(
            identifier=element.identifier,
            label=element.label(self.lang),
            level=element.level,
            columns=tuple(run),
            also=tuple(_short(n, self.lang, columns[index[n]].label) for n in others),
            also_labels=tuple(columns[index[n]].label for n in others),
            inferred=inferred,
            has_children=bool(self.table.children(element.identifier)),
            vertical_labels=vertical_labels,
        )


def _short(name: str, lang: str, label: str) -> str:
    return _SHORT.get(lang, {}).get(name) or label


def build_map(
    kg: KnowledgeGraph,
    release: str,
    *,
    view: str | None = None,
    lang: str = "en",
    root: str | None = None,
) -> MapModel:
    """The map of ``release`` (all L2 processes), or of the children of ``root`` when given."""
    catalog = Catalog.of(kg)
    view = view or default_view(release)
    _check(view, lang)
    placer = _Placer(catalog, release, view, lang)
    if root is not None:
        return _drill(placer, root)
    # The classic framework has no domains: its current view keeps the classic rows under the current columns.
    return _classic(placer) if view == "classic" or release == "classic" else _current(placer)


def _release_title(release: str, lang: str) -> str:
    if release == "classic":
        return "经典 eTOM 框架" if lang == "zh" else "The classic eTOM framework"
    return f"eTOM {release} 版" if lang == "zh" else f"eTOM release {release}"


def _area_spans(placer: _Placer, columns: list[Column]) -> list[AreaSpan]:
    areas = placer.catalog.areas()
    spans: list[AreaSpan] = []
    for i, column in enumerate(columns):
        if spans and spans[-1].key == column.area:
            spans[-1].last = i
        else:
            grouping = areas.get(column.area or "")
            label = grouping.label(placer.lang) if grouping else (column.area or "")
            spans.append(AreaSpan(column.area or "", label, i, i))
    return spans


def _top_level(placer: _Placer) -> list[Element]:
    """The L1 elements of the release: current domains, or the classic groupings under their areas."""
    return [e for e in placer.table if e.level == 1]


def _l2_of(placer: _Placer) -> list[Element]:
    return [e for e in placer.table if e.level == 2]


def _classic(placer: _Placer) -> MapModel:
    columns = placer.columns()
    lang = placer.lang
    column_area = {i: c.area for i, c in enumerate(columns)}
    rows: dict[str, Row] = {}
    for key in LAYER_ORDER:
        grouping = placer.catalog.layers.get(key)
        rows[key] = Row(key=key, label=grouping.label(lang) if grouping else key, tone=key)
    # Row notes and headings: the L1 elements in each layer (classic groupings per area, or current domains).
    band_groups: list[Group] = []
    band_l1: list[Element] = []
    for l1 in _top_level(placer):
        layer, _ = placer.layer(l1)
        if layer in rows:
            row = rows[layer]
            if placer.release == "classic" and l1.area in AREA_ORDER:
                first = min(i for i, a in column_area.items() if a == l1.area)
                last = max(i for i, a in column_area.items() if a == l1.area)
                row.headings.append(Heading(l1.identifier, l1.label(lang), first, last))
            else:
                row.notes.append(f"{l1.identifier} {l1.label(lang)}")
        else:
            band_l1.append(l1)
    unplaced: list[Box] = []
    band_ids = {e.identifier for e in band_l1}
    band_boxes: dict[str, list[Box]] = {e.identifier: [] for e in band_l1}
    for element in _l2_of(placer):
        box = placer.box(element, columns)
        layer, layer_inferred = placer.layer(element)
        box.inferred = box.inferred or layer_inferred
        if element.parent in band_ids:
            box.columns, box.also, box.also_labels = (), (), ()
            band_boxes[element.parent].append(box)
        elif layer in rows:
            (rows[layer].boxes if box.columns else rows[layer].loose).append(box)
        else:
            unplaced.append(box)
    band = None
    if band_l1:
        for l1 in band_l1:
            heading = Heading(l1.identifier, l1.label(lang)) if len(band_l1) > 1 else None
            band_groups.append(Group(heading, band_boxes[l1.identifier]))
        area = placer.catalog.areas().get(ENTERPRISE_AREA)
        if placer.release == "classic" or len(band_l1) > 1:
            band = Band(ENTERPRISE_AREA, area.label(lang) if area else "Enterprise Management", None, band_groups)
        else:
            only = band_l1[0]
            band = Band(only.identifier, only.label(lang), only.identifier, band_groups)
    if placer.view == "classic":
        view_name = "经典视图" if lang == "zh" else "classic view"
    else:
        view_name = "当前纵向分组" if lang == "zh" else "current verticals"
    return MapModel(
        release=placer.release,
        view=placer.view,
        lang=lang,
        title=f"{_release_title(placer.release, lang)} · {view_name}",
        columns=columns,
        areas=_area_spans(placer, columns),
        rows=[r for r in rows.values() if r.boxes or r.loose or r.headings],
        band=band,
        unplaced=unplaced,
        release_title=_release_title(placer.release, lang),
    )


def _current(placer: _Placer) -> MapModel:
    columns = placer.columns()
    lang = placer.lang
    rows: list[Row] = []
    band_rows: list[tuple[Element, list[Box]]] = []
    unplaced: list[Box] = []
    l1s = _top_level(placer)
    children = {e.identifier: [] for e in l1s}
    for element in _l2_of(placer):
        box = placer.box(element, columns)
        if element.parent in children:
            children[element.parent].append(box)
        else:
            unplaced.append(box)
    for l1 in l1s:
        boxes = children[l1.identifier]
        if not boxes:
            continue
        if not any(b.columns for b in boxes):
            band_rows.append((l1, boxes))
            continue
        layer, _ = placer.layer(l1)
        rows.append(
            Row(
                key=l1.identifier,
                label=l1.label(lang),
                identifier=l1.identifier,
                tone=layer or "",
                boxes=[b for b in boxes if b.columns],
                loose=[b for b in boxes if not b.columns],
            )
        )
    band = None
    if len(band_rows) == 1:
        l1, boxes = band_rows[0]
        band = Band(l1.identifier, l1.label(lang), l1.identifier, [Group(None, boxes)])
    elif band_rows:
        area = placer.catalog.areas().get(ENTERPRISE_AREA)
        band = Band(
            ENTERPRISE_AREA,
            area.label(lang) if area else "Enterprise Management",
            None,
            [Group(Heading(l1.identifier, l1.label(lang)), boxes) for l1, boxes in band_rows],
        )
    view_name = "域视图" if lang == "zh" else "domain view"
    return MapModel(
        release=placer.release,
        view="current",
        lang=lang,
        title=f"{_release_title(placer.release, lang)} · {view_name}",
        columns=columns,
        areas=_area_spans(placer, columns),
        rows=rows,
        band=band,
        unplaced=unplaced,
        release_title=_release_title(placer.release, lang),
    )


def _drill(placer: _Placer, root_id: str) -> MapModel:
    element = placer.table.get(root_id)
    if element is None:
        raise MapError(
            f"no process {root_id!r} in release {placer.release}; "
            "give an identifier of that release (search for it by name to find it)"
        )
    children = placer.table.children(root_id)
    used: set[str] = set()
    for child in children:
        used.update(placer.verticals(child)[0])
    columns = placer.columns([n for n in placer.order if n in used])
    boxes = [placer.box(child, columns) for child in children]
    row = Row(
        key=root_id,
        label=element.label(placer.lang),
        identifier=root_id,
        tone=placer.layer(element)[0] or "",
        boxes=[b for b in boxes if b.columns],
        loose=[b for b in boxes if not b.columns],
    )
    return MapModel(
        release=placer.release,
        view=placer.view,
        lang=placer.lang,
        title=f"{root_id} {element.label(placer.lang)}",
        columns=columns,
        areas=_area_spans(placer, columns) if columns else [],
        rows=[row],
        root=element,
        ancestors=placer.table.ancestors(root_id),
        release_title=_release_title(placer.release, placer.lang),
    )
