"""`copilot mcp`: meetings for any MCP client (Claude Desktop, IDEs, agent frameworks).

`meetings.py` reads through the public API (embedded or a `copilot serve` backend),
`server.py` turns it into MCP tools and resources, `http.py` puts the streamable HTTP
transport behind an API key.
"""
