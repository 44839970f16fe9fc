"""The data flows of a release as rows: what ``etomkg flows`` prints and the benchmarks time.

>>> import etomkg
>>> rows = flow_rows(etomkg.store.open_cached(), "26.0", "1.4.5")
>>> len(rows) > 0 and all("1.4.5" in (r["producer_id"], r["consumer_id"]) for r in rows)
True
"""

from __future__ import annotations

import re

from ..errors import EtomkgError
from ..iris import natural_key
from . import run

_IDENTIFIER = re.compile(r"^1(\.\d+)*$")


def flow_rows(kg, release: str, process: str | None = None, *, lang: str = "en", descendants: bool = False) -> list:
    """Rows of the flows of ``release`` (those touching ``process`` when given), in natural order."""
    if process is not None and not _IDENTIFIER.match(process):
        raise EtomkgError(f"--process {process!r} is not a process identifier such as 1.4.5")
    if process is not None and not kg.query(
        f'ASK {{ ?p a etom:ProcessElement ; skos:notation "{process}" }}', release=release
    ):
        raise EtomkgError(
            f"no process {process!r} in release {release}; list identifiers with "
            f"`etomkg query 'SELECT ?id {{ ?p etom:level 2 ; skos:notation ?id }}' --release {release}`"
        )

    def touches(identifier: str) -> bool:
        return identifier == process or (descendants and identifier.startswith(process + "."))

    rows = []
    for row in run(kg, "flows", release=release, lang=lang):
        if process is None or touches(row["producerId"]) or touches(row["consumerId"]):
            rows.append(
                {
                    "producer_id": row["producerId"],
                    "producer_name": row["producerName"],
                    "consumer_id": row["consumerId"],
                    "consumer_name": row["consumerName"],
                    "information": row["information"],
                    "key": row["key"],
                    "inferred": row["inferred"],
                    "stated_for": row["statedFor"],
                    "evidence": row["evidence"],
                    "source": row.get("source") or "",
                    "citation": row.get("citation") or "",
                }
            )
    rows.sort(key=lambda r: (natural_key(r["producer_id"]), natural_key(r["consumer_id"]), r["information"]))
    return rows
