"""Pages: the query page (YASGUI) at ``/``, ``/health``, and what every HTML page shares (language, labels)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, render_template, request

import etomkg
from etomkg.queries import catalogue

from .graph import served

bp = Blueprint("pages", __name__)

#: Interface strings in both first-class languages.
UI: dict[str, dict[str, str]] = {
    "site": {"en": "eTOM knowledge graph", "zh": "eTOM 知识图谱"},
    "query": {"en": "Query", "zh": "查询"},
    "releases": {"en": "Releases", "zh": "版本"},
    "downloads": {"en": "Downloads", "zh": "下载"},
    "ontology": {"en": "Ontology", "zh": "本体"},
    "identifier": {"en": "Identifier", "zh": "编号"},
    "level": {"en": "Level", "zh": "层级"},
    "release": {"en": "Release", "zh": "版本"},
    "domain": {"en": "Domain", "zh": "域"},
    "verticals": {"en": "Vertical groupings", "zh": "纵向分组"},
    "definition": {"en": "Definition", "zh": "定义"},
    "children": {"en": "Child processes", "zh": "子流程"},
    "no_children": {"en": "No child processes.", "zh": "没有子流程。"},
    "flows_out": {"en": "Information flows out", "zh": "流出的信息流"},
    "flows_in": {"en": "Information flows in", "zh": "流入的信息流"},
    "to": {"en": "to", "zh": "至"},
    "from": {"en": "from", "zh": "来自"},
    "carries": {"en": "carries", "zh": "承载"},
    "versions": {"en": "Versions in other releases", "zh": "其他版本中的对应流程"},
    "classic": {"en": "Classic eTOM counterpart", "zh": "经典 eTOM 对应流程"},
    "anomalies": {"en": "Anomalies in the sources", "zh": "来源数据中的异常"},
    "facts": {"en": "More facts", "zh": "其他信息"},
    "formats": {"en": "This page as data", "zh": "本页数据"},
    "properties": {"en": "Statements", "zh": "陈述"},
    "top": {"en": "Top-level processes", "zh": "顶层流程"},
    "not_found": {"en": "Not found", "zh": "未找到"},
    "not_found_text": {
        "en": "This IRI is not in the knowledge graph. Check the release and the identifier, or use the latest release:",
        "zh": "知识图谱中没有这个 IRI。请检查版本和编号，或使用最新版本：",
    },
    "examples": {"en": "Example queries", "zh": "示例查询"},
    "noscript": {
        "en": "The query editor needs JavaScript. Without it, send a query with this form:",
        "zh": "查询编辑器需要 JavaScript。没有 JavaScript 时可用此表单提交查询：",
    },
    "run": {"en": "Run", "zh": "运行"},
    "rendered_on_demand": {"en": "rendered on first request", "zh": "首次请求时生成"},
    "terms": {"en": "Classes and properties", "zh": "类与属性"},
    "originalIdentifier": {"en": "Original identifier", "zh": "原始编号"},
    "uid": {"en": "UID", "zh": "UID"},
    "frameworkStatus": {"en": "Status", "zh": "状态"},
    "maturityLevel": {"en": "Maturity", "zh": "成熟度"},
    "deprecated": {"en": "Deprecated", "zh": "已弃用"},
    "copyright": {
        "en": "eTOM is © TM Forum (GB921). Identifiers, names and structure are reproduced with this notice; "
        "descriptions and Chinese labels are this project's own words.",
        "zh": "eTOM 版权归 TM Forum 所有（GB921）。编号、名称和结构随本声明转载；描述与中文标签为本项目自撰。",
    },
}


def ui_lang() -> str:
    """The interface language: ``?lang=``, else the browser's Accept-Language, else English."""
    chosen = request.args.get("lang")
    if chosen in ("en", "zh"):
        return chosen
    best = request.accept_languages.best_match(["en", "zh"], default="en")
    return best or "en"


def init_app(app: Flask) -> None:
    @app.context_processor
    def helpers() -> dict:
        lang = ui_lang() if request else "en"

        def t(key: str) -> str:
            return UI[key].get(lang, UI[key]["en"])

        def local(iri: str) -> str:
            path = served().path_for(iri)
            return path if path is not None else iri

        def switch(to: str) -> str:
            args = request.args.to_dict()
            args["lang"] = to
            return request.path + "?" + urlencode(args)

        return {"t": t, "local": local, "switch": switch, "lang": lang, "version": etomkg.__version__}


@bp.route("/")
def index() -> str:
    """YASGUI with one tab per shipped query (``etomkg/queries/*.rq``), titled in the page's language."""
    return render_template("index.html", queries=catalogue(ui_lang()))


@bp.route("/health")
def health() -> Response:
    graph = served()
    from flask import current_app

    config = current_app.config
    return jsonify(
        {
            "status": "ok",
            "store": "loaded",
            "answering_from": graph.answering_from,  # "disk" for the first seconds of a worker, then "memory"
            **({"backend": graph.kg.backend.location} if graph.kg.remote else {}),  # with --backend: "remote"
            "triples": graph.triples,
            "releases": graph.releases,
            "default_release": graph.newest,
            "version": etomkg.__version__,
            "base": graph.base,
            "read_only": graph.read_only,
            "limits": {
                "query_timeout_s": config["QUERY_TIMEOUT"],
                "max_rows": config["MAX_ROWS"],
                "max_result_bytes": config["MAX_RESULT_BYTES"],
                "max_body_bytes": config["MAX_BODY_BYTES"],
            },
        }
    )
