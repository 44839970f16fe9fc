"""Security headers on every response: pages, downloads, ``/sparql``, static files, errors.

A WSGI middleware (not a Flask hook, not a runner's setting), so it covers the
``/sparql`` endpoint mounted in front of Flask and any HTTP server that runs the app.
The pages load nothing from elsewhere and run no inline script (``query.js``
reads its examples from a JSON data block), so the policy can be strict;
inline ``style`` attributes (the map's SVG, YASGUI's widgets) stay allowed.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
]
_NAMES = {name.lower() for name, _ in SECURITY_HEADERS}
#: Pages made to be shown in other applications' frames: the reconciliation preview (OpenRefine shows it in an
#: iframe). The same policy, except who may frame them.
FRAMEABLE_PATHS = ("/reconcile/preview",)
FRAMEABLE_HEADERS = [
    (name, value.replace("frame-ancestors 'none'", "frame-ancestors *"))
    for name, value in SECURITY_HEADERS
    if name != "X-Frame-Options"
]


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response (replacing any the app set)."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        added = FRAMEABLE_HEADERS if environ.get("PATH_INFO", "").startswith(FRAMEABLE_PATHS) else SECURITY_HEADERS

        def with_headers(status, headers, exc_info=None):
            kept = [(name, value) for name, value in headers if name.lower() not in _NAMES]
            return start_response(status, kept + added, exc_info)

        return self.wsgi_app(environ, with_headers)


def init_app(app) -> None:
    """Wrap the app, the mounted /sparql endpoint included (call after sparql.init_app)."""
    app.wsgi_app = SecurityHeaders(app.wsgi_app)
