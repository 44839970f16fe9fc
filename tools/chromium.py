"""How the tools and the browser tests start Debian's headless Chromium: one list of switches.

No sandbox (containers and CI runners have no user namespaces), no GPU, and nothing that reaches the network
on its own (component updates, sync, background fetches): the pages are served from 127.0.0.1 only.
"""

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
