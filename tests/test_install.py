"""A non-editable install into a fresh virtual environment builds and queries on its own."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_install_in_fresh_venv_builds_and_queries(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(ROOT)], check=True, timeout=900)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "ETOMKG_CACHE": str(tmp_path / "cache")}
    etomkg = str(venv / "bin" / "etomkg")
    work = tmp_path / "elsewhere"  # not the checkout: only the installed files may be used
    work.mkdir()
    out = subprocess.run(
        [
            etomkg,
            "query",
            "--release",
            "25.5",
            "--format",
            "csv",
            "SELECT (COUNT(?p) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:level 2 }",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["n", "120"]
    subprocess.run(
        [etomkg, "build", "-o", "graph", "--format", "turtle"], cwd=work, env=env, check=True, capture_output=True
    )
    assert (work / "graph" / "releases" / "26.0" / "etom-26.0.ttl").stat().st_size > 1_000_000
    subprocess.run(
        [etomkg, "export", "--format", "archimate", "--release", "25.5", "--root", "1.4.5", "-o", "x.xml"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )  # the etomkg.archimate subpackage ships
    assert b'xsi:type="BusinessFunction"' in (work / "x.xml").read_bytes()
    shipped = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import etomkg.files as r; print(r.ontology_dir())"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in shipped and "site-packages/etomkg/ontology" in shipped
    # The flows' sources, queries, shapes and diagram code ship too.
    flows = subprocess.run(
        [etomkg, "queries", "run", "information-flows", "-p", "information=service-order", "--format", "csv"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert flows.stdout.splitlines()[1].startswith("producer,1.3.3,")
    shapes = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import etomkg.files as r; print((r.shapes_dir() / 'flows.ttl').is_file())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shapes.strip() == "True"
    svg = subprocess.run(
        [etomkg, "diagram", "--e2e", "usage-to-payment"], cwd=work, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert 'data-step="7"' in svg
    # the web layer ships with its templates, static files (YASGUI) and the example queries
    served = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from importlib.resources import files; import etomkg_server.sparql; "
            "from etomkg.queries import names; "
            "s = files('etomkg_server'); "
            "print((s / 'templates' / 'process.html').is_file(), "
            "(s / 'static' / 'vendor' / 'yasgui' / 'yasgui.min.js').is_file(), len(names()))",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert served[:2] == ["True", "True"] and int(served[2]) >= 16
    # typed (py.typed ships), and the version comes from pyproject.toml alone
    typed = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from importlib.resources import files; import etomkg; "
            "print(etomkg.__version__, (files('etomkg') / 'py.typed').is_file())",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert typed == [tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"], "True"]
    cli_version = subprocess.run([etomkg, "--version"], cwd=work, env=env, capture_output=True, text=True).stdout
    assert typed[0] in cli_version


def test_every_package_folder_is_listed_in_pyproject():
    """The package list is explicit (the folder mapping needs it): a new sub-package must be named there, or the
    wheel ships without it. Cheaper than the wheel test above, and says which one is missing."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts).replace("server", "etomkg_server", 1)
        for folder in ("etomkg", "server")
        for init in (ROOT / folder).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
