"""The ``etomkg`` command line: a thin shell over the library.

Each command lives in its own module and registers itself on :data:`main`.
Exit codes: 0 success, 1 a check failed (validation, diff), 2 bad input
(malformed query, unreadable file, unknown release or option), 3 a remote
SPARQL store failed or could not be reached.
"""

from __future__ import annotations

# Command modules register themselves on import.
from . import build as _build  # noqa: F401
from . import components as _components  # noqa: F401
from . import diagram as _diagram  # noqa: F401
from . import diff as _diff  # noqa: F401
from . import export as _export  # noqa: F401
from . import flows as _flows  # noqa: F401
from . import imports as _imports  # noqa: F401
from . import info as _info  # noqa: F401
from . import map as _map  # noqa: F401
from . import mcp as _mcp  # noqa: F401
from . import push as _push  # noqa: F401
from . import queries as _queries  # noqa: F401
from . import query as _query  # noqa: F401
from . import serve as _serve  # noqa: F401
from . import store as _store  # noqa: F401
from . import validate as _validate  # noqa: F401
from .main import main

__all__ = ["main"]
