"""credgate's Model Context Protocol server (``credgate mcp``); see docs/concepts/mcp.md."""
