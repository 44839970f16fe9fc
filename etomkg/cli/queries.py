"""``etomkg queries``: the shipped, documented queries — list them, show their text, run them."""

from __future__ import annotations

import click

from .. import queries as named
from ..outputs.tables import OUTPUT_FORMATS, render_rows, render_solutions
from .main import backend_option, main, open_graph, store_option


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise named.QueryError(f"--param {pair!r}: write NAME=VALUE, e.g. --param process=1.4.5")
        values[name.strip()] = value
    return values


param_option = click.option(
    "--param", "-p", "params", multiple=True, metavar="NAME=VALUE", help="A parameter of the query (repeatable)."
)


@main.group("queries")
def queries_group() -> None:
    """The documented queries shipped with etomkg (upstream, downstream, flow paths …).

    \b
    Examples:
      etomkg queries list
      etomkg queries run upstream -p process=1.4.5 -p lang=zh
      etomkg queries show flow-path -p from=1.3.7 -p to=1.5.8 > path.rq
    """


@queries_group.command("list")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True)
def list_command(lang: str, fmt: str) -> None:
    """Name, title and parameters (with defaults) of every shipped query."""
    rows = [
        {
            "name": q.name,
            "title": q.title_zh if lang == "zh" else q.title,
            "parameters": " ".join(f"{p.name}={p.default}" for p in q.parameters),
        }
        for q in named.all_queries()
    ]
    click.echo(render_rows(["name", "title", "parameters"], rows, fmt))


@queries_group.command("show")
@click.argument("name")
@param_option
def show_command(name: str, params: tuple[str, ...]) -> None:
    """Print the runnable SPARQL text of a query, parameters filled in."""
    click.echo(named.load(name).text(**_params(params)), nl=False)


@queries_group.command("run")
@click.argument("name")
@param_option
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True)
@store_option
@backend_option
def run_command(name: str, params: tuple[str, ...], fmt: str, store_dir: str | None, backend_url: str | None) -> None:
    """Run a shipped query with its parameters and print the results."""
    text = named.load(name).text(**_params(params))
    kg = open_graph(store_dir, backend_url)
    click.echo(render_solutions(kg.query(text), fmt))
