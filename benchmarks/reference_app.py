"""The issue's reference point: a minimal Flask app on pyoxigraph (run under gunicorn, 2 sync workers).

No limits, no negotiation, no logging: what etomkg serve is compared with, in the same run.
"""

import pyoxigraph as ox
from flask import Flask, Response, request

import etomkg

kg = etomkg.open()
app = Flask(__name__)


@app.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    result = kg.store.query(request.values["query"], use_default_graph_as_union=True)
    return Response(result.serialize(format=ox.QueryResultsFormat.JSON), mimetype="application/sparql-results+json")
