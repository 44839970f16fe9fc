"""``etomkg mcp``: eTOM for AI assistants, over the Model Context Protocol (the official SDK's ``MCPServer``).

Thin over the library: each tool calls a function of :mod:`etomkg.mcp.tools`
(or the bounded SPARQL runner) and returns its answer twice, as structured
content and as a short text naming the release and the IRIs. Read-only: no
tool writes to the graph. A bad argument is a tool error with a message that
says what to pass instead; nothing an assistant sends can crash the server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from .. import queries
from ..errors import EtomkgError
from ..files import ontology_dir
from ..search import SearchIndex
from ..store import KnowledgeGraph
from ..version import __version__
from . import tools
from .bounded import BoundedQueries, Limits

INSTRUCTIONS = (
    "TM Forum's eTOM (Business Process Framework, GB921) as a knowledge graph: releases 23.0.1 to 26.0 and the "
    "classic framework, names in English and Chinese. Look processes up here instead of recalling identifiers or "
    "names: search_processes finds them by identifier or words, get_process gives the facts, and every answer "
    "names its release and IRIs, which you should cite."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

Release = Annotated[str | None, Field(description="Release, e.g. 26.0, 25.5 or classic; default: the newest.")]
Lang = Annotated[str, Field(description="Language of names: en or zh.")]
Identifier = Annotated[str, Field(description="A process identifier, e.g. 1.4.5.")]


def _result(data: dict, text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


def _cite(ref: dict) -> str:
    return f"{ref['identifier']} {ref['name'].get('en', '')} ({ref['release']}, <{ref['iri']}>)"


def _guarded(fn: Callable[..., CallToolResult]) -> Callable[..., CallToolResult]:
    """Library errors become tool errors with the library's message (never a crash)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except EtomkgError as exc:
            raise ToolError(str(exc)) from None

    return wrapper


def build_server(kg: KnowledgeGraph, sparql: BoundedQueries) -> MCPServer:
    """The MCP server over ``kg``; ``sparql`` runs the free queries under limits."""
    server = MCPServer("etomkg", version=__version__, instructions=INSTRUCTIONS)

    def tool(title: str):
        def register(fn):
            server.add_tool(_guarded(fn), title=title, annotations=READ_ONLY, structured_output=False)
            return fn

        return register

    @tool("Search eTOM processes")
    def search_processes(
        query: Annotated[
            str,
            Field(
                description="An identifier (1.4.5, or 1.4. for those under it) or words of a "
                "name in English or Chinese (activation, 开通)."
            ),
        ],
        release: Release = None,
        limit: Annotated[int, Field(description="At most this many hits (1-100).")] = 10,
    ) -> CallToolResult:
        """Find eTOM processes by identifier or by words of their names (English or Chinese), in one release or
        across releases (newest first). Each hit has its identifier, names, level, release and IRI."""
        data = tools.search_processes(kg, query, release, limit)
        lines = [f"{data['total']} processes match {query!r}" + (f" in release {release}" if release else "") + ":"]
        lines += [f"- {_cite(hit)} [{hit['match']}]" for hit in data["hits"]]
        return _result(data, "\n".join(lines))

    @tool("Get an eTOM process")
    def get_process(identifier: Identifier, release: Release = None) -> CallToolResult:
        """One process of a release: names (en/zh), definition, level, parent, children, vertical groups, its
        versions in other releases (version links with their basis) and its classic eTOM counterpart."""
        data = tools.get_process(kg, identifier, release)
        text = [f"{_cite(data)}, level {data['level']}."]
        if data["definition"].get("en"):
            text.append(data["definition"]["en"])
        if data["parent"]:
            text.append(f"Parent: {_cite(data['parent'])}.")
        text.append(f"{len(data['children'])} children; verticals: {', '.join(data['verticals']) or 'none stated'}.")
        if data["classic_counterpart"]:
            text.append(f"Classic counterpart: {_cite(data['classic_counterpart'])}.")
        text.append(f"{len(data['lineage'])} versions in other releases.")
        return _result(data, " ".join(text))

    @tool("Data flows of an eTOM process")
    def process_flows(
        identifier: Identifier,
        direction: Annotated[str, Field(description="upstream, downstream or both.")] = "both",
        to: Annotated[
            str | None, Field(description="Another process: list the flows on paths from identifier to it instead.")
        ] = None,
        release: Release = None,
        lang: Lang = "en",
    ) -> CallToolResult:
        """The data flows that feed a process (upstream) or that it feeds (downstream), directly or
        transitively, with the information on each hop; or, with ``to``, every flow on a path between two
        processes. Runs the shipped queries upstream, downstream and flow-path."""
        data = tools.process_flows(kg, identifier, direction, to, release, lang)
        head = _cite(data["process"])
        if "path" in data:
            text = f"{len(data['path'])} flows on paths from {head} to {_cite(data['to'])}."
        else:
            parts = [f"{len(data[k])} {k}" for k in ("upstream", "downstream") if k in data]
            text = f"Flows of {head}: {', '.join(parts)}."
        return _result(data, text)

    @tool("End-to-end flows")
    def end_to_end_flows(
        flow: Annotated[
            str | None,
            Field(description="Key of one flow (e.g. order-to-payment) to list its steps; omit it to list the flows."),
        ] = None,
        release: Release = None,
        lang: Lang = "en",
    ) -> CallToolResult:
        """The end-to-end flows of a release (Order-to-Payment, Trouble-to-Resolve …), or the steps of one in
        order, each with its process and the information passed to the next step."""
        data = tools.end_to_end_flows(kg, flow, release, lang)
        if flow is None:
            text = f"{len(data['flows'])} end-to-end flows in release {data['release']}: " + ", ".join(
                f"{row['key']} <{row['iri']}>" for row in data["flows"]
            )
        else:
            text = f"{data['flow']['name']} <{data['flow']['iri']}> ({data['release']}): " + " → ".join(
                f"{row['processId']} {row['processName']}" for row in data["steps"]
            )
        return _result(data, text)

    @tool("ODA components and Open APIs of a process")
    def process_components(identifier: Identifier, release: Release = None, lang: Lang = "en") -> CallToolResult:
        """The ODA components that implement a process or a process below it (stated by the component
        specification, or carried along the version links to later releases: stated=false), and the Open APIs
        those components expose (required or optional)."""
        data = tools.process_components(kg, identifier, release, lang)
        names = sorted({f"{row['component']} {row['name']}" for row in data["components"]})
        apis = sorted({row["api"] for row in data["apis"]})
        text = (
            f"{_cite(data['process'])}: {len(names)} ODA components ({'; '.join(names) or 'none'}); "
            f"{len(apis)} Open APIs ({', '.join(apis) or 'none'})."
        )
        return _result(data, text)

    @tool("Compare eTOM releases")
    def compare_releases(
        old: Annotated[str, Field(description="The older release, e.g. 25.0.")],
        new: Annotated[str, Field(description="The newer release, e.g. 25.5.")],
        identifier: Annotated[
            str | None, Field(description="Keep to this process and its subtree (in either release's numbering).")
        ] = None,
    ) -> CallToolResult:
        """What changed between two releases — added, removed, renumbered, renamed, moved, changed verticals —
        for the whole framework or one process's subtree (etomkg diff)."""
        data = tools.compare_releases(kg, old, new, identifier)
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(data["counts"].items())) or "no changes"
        scope = f" under {identifier}" if identifier else ""
        return _result(data, f"{data['old']} → {data['new']}{scope}: {counts}.")

    @tool("Validate an eTOM extension or mapping")
    def validate_extension(
        content: Annotated[str, Field(description="The whole file's text.")],
        format: Annotated[str, Field(description="csv, yaml, turtle or jsonld.")],  # noqa: A002
        release: Release = None,
        name: Annotated[str, Field(description="Name of the extension (letters, digits, -).")] = "extension",
    ) -> CallToolResult:
        """Check an operator's extension or mapping file (own processes below eTOM elements; applications,
        systems, organisation units mapped to eTOM) with the checks of `etomkg import extension --check`:
        structural rules, then the project's SHACL shapes. Nothing is stored."""
        data = tools.validate_extension(kg, content, format, release, name)
        if data["conforms"]:
            return _result(data, f"The extension conforms (release {data['release']}); nothing was stored.")
        lines = [f"The extension does not conform (release {data['release']}): {len(data['lines'])} findings."]
        lines += [f"- {line}" for line in data["lines"][:20]]
        return _result(data, "\n".join(lines))

    @tool("Run a read-only SPARQL query")
    def sparql_query(
        query: Annotated[
            str,
            Field(
                description="A SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE. Prefixes etom:, "
                "skos:, rdfs:, owl:, prov:, dcterms:, xkos: are predeclared."
            ),
        ],
        release: Release = None,
        limit: Annotated[int | None, Field(description="At most this many rows (capped by the server).")] = None,
    ) -> CallToolResult:
        """Run a read-only SPARQL query on the eTOM graph. Without release the default graph is the union of
        every graph; with release, that release plus the ontology and framework. Limits as the SPARQL endpoint:
        a time limit that cancels the query, a row limit; SERVICE and updates are refused."""
        if release:
            tools._release(kg, release)
        data = sparql.run(query, release or None, limit)
        data["release"] = release or None
        if data["kind"] == "select":
            text = f"{len(data['rows'])} rows ({', '.join(data['variables'])})" + (
                f" in release {release}" if release else " on every release"
            )
            text += ":\n" + "\n".join(json.dumps(row, ensure_ascii=False) for row in data["rows"][:20])
        elif data["kind"] == "ask":
            text = f"ASK: {data['boolean']}"
        else:
            text = f"{len(data['triples'])} triples."
        return _result(data, text)

    # --- resources -------------------------------------------------------------------------------------------

    @server.resource(
        "etomkg://ontology",
        name="ontology",
        mime_type="text/turtle",
        description="The etomkg ontology (OWL, Turtle), labels and definitions in en and zh.",
    )
    def ontology() -> str:
        return (ontology_dir() / "etom.ttl").read_text(encoding="utf-8")

    @server.resource(
        "etomkg://release/{release}/tree",
        name="release-tree",
        mime_type="application/json",
        description="A release's L1 processes with their L2 children (identifiers, names, IRIs).",
    )
    def tree(release: str) -> str:
        try:
            return json.dumps(tools.release_tree(kg, release), ensure_ascii=False, indent=1)
        except EtomkgError as exc:
            raise ResourceError(str(exc)) from None

    @server.resource(
        "etomkg://queries",
        name="queries",
        mime_type="application/json",
        description="The shipped, documented SPARQL queries: name, title, parameters, runnable text.",
    )
    def shipped_queries() -> str:
        entries = []
        for q in queries.all_queries():
            entries.append(
                {
                    "name": q.name,
                    "title": q.title,
                    "title_zh": q.title_zh,
                    "description": q.description,
                    "parameters": [
                        {"name": p.name, "kind": p.kind, "default": p.default, "description": p.description}
                        for p in q.parameters
                    ],
                    "text": q.text(),
                }
            )
        return json.dumps(entries, ensure_ascii=False, indent=1)

    # --- prompts ---------------------------------------------------------------------------------------------

    @server.prompt(name="explain-process", title="Explain an eTOM process")
    def explain_process(identifier: str, release: str = "", lang: str = "en") -> str:
        """Explain one eTOM process from the graph, citing release and IRIs."""
        scope = f"release {release}" if release else "the newest release"
        language = "Chinese (简体中文)" if lang == "zh" else "English"
        return (
            f"Explain eTOM process {identifier} of {scope} to a process architect, in {language}. Use the etomkg "
            f"tools, not memory: get_process for its names, definition, level, parent, children, verticals, lineage "
            f"and classic counterpart; process_flows for what feeds it and what it feeds. Say what it does, where it "
            f"sits in the hierarchy, how it changed across releases, and its main information flows. Cite every "
            f"process as identifier, name, release and IRI, exactly as the tools return them."
        )

    @server.prompt(name="map-process-list", title="Map a process list to eTOM")
    def map_process_list(processes: str, release: str = "", lang: str = "en") -> str:
        """Map an operator's own list of process names (one a line, English or Chinese) to eTOM processes."""
        scope = f"release {release}" if release else "the newest release"
        return (
            f"Map each of the operator's processes below to the eTOM process of {scope} it corresponds to. For each "
            f"line, call search_processes with its words (try synonyms, and Chinese names as they are), read the "
            f"best candidates with get_process, and choose one, or say that none fits. Answer with a table: the "
            f"operator's name, the eTOM identifier, the eTOM name ({lang}), the IRI, and how sure you are (exact, "
            f"close, partial, none). Never invent an identifier: only use ones the tools returned. To check the "
            f"result, write it as an extension CSV (kind=application … maps_to) and call validate_extension.\n\n"
            f"{processes}"
        )

    return server


def serve(
    store_dir: str | None = None,
    backend_url: str | None = None,
    *,
    http: bool = False,
    host: str = "127.0.0.1",
    port: int = 8765,
    limits: Limits | None = None,
    kg: KnowledgeGraph | None = None,
    allowed_hosts: list[str] | None = None,
) -> None:
    """Run the server on stdio, or as streamable HTTP at http://host:port/mcp."""
    from ..cli.main import open_graph

    kg = kg or open_graph(store_dir, backend_url)
    sparql = BoundedQueries(store_dir, backend_url, limits or Limits.from_env())
    server = build_server(kg, sparql)
    # Read every release's processes while the client connects: the first search is then answered at once.
    threading.Thread(target=SearchIndex.of, args=(kg,), name="etomkg-mcp-warm-up", daemon=True).start()
    try:
        if http:
            kwargs: dict[str, Any] = {"host": host, "port": port}
            if allowed_hosts:
                from mcp.server.transport_security import TransportSecuritySettings

                kwargs["transport_security"] = TransportSecuritySettings(
                    enable_dns_rebinding_protection=True,
                    allowed_hosts=allowed_hosts,
                    allowed_origins=[f"http://{h}" for h in allowed_hosts],
                )
            server.run("streamable-http", **kwargs)
        else:
            server.run("stdio")
    finally:
        sparql.close()
