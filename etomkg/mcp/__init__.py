"""eTOM for AI assistants: a Model Context Protocol server (``etomkg mcp``), thin over the library.

:mod:`.tools` answers (plain functions of a knowledge graph), :mod:`.bounded`
runs free SPARQL under the server's limits, :mod:`.server` registers both with
the official SDK's ``MCPServer``.
"""
