"""``credgate mcp``: serve credgate's agent tools over the Model Context Protocol.

    credgate mcp [--transport stdio|http] [--host 127.0.0.1] [--port 8310]

An MCP host (Claude Desktop, an IDE, an agent framework) starts this command with the agent's
token in ``$CREDGATE_TOKEN`` and the server's address in ``$CREDGATE_ADDR``. With ``stdio``
(the default) the host talks to it over standard input and output; with ``http`` it serves
MCP's streamable HTTP transport at ``http://HOST:PORT/mcp``. Nothing but the MCP protocol is
written to standard output; diagnostics go to standard error.
"""

from __future__ import annotations

import click

from credgate.errors import ConfigError
from credgate.sdk import Client
from credgate.sdk._core import SESSION_ENV, TOKEN_ENV

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@click.command("mcp")
@click.option(
    "--transport",
    type=click.Choice(["stdio", "http"]),
    default="stdio",
    show_default=True,
    help="stdio for an MCP host that starts this command; http for streamable HTTP.",
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address for --transport http."
)
@click.option("--port", type=click.IntRange(1, 65535), default=8310, show_default=True)
@click.option(
    "--addr",
    envvar="CREDGATE_ADDR",
    show_envvar=True,
    metavar="URL",
    help="credgate server address [default: http://127.0.0.1:8300].",
)
@click.option(
    "--token",
    envvar=TOKEN_ENV,
    show_envvar=True,
    metavar="TOKEN",
    help="The agent's token (prefer the environment variable).",
)
@click.option("--namespace", envvar="CREDGATE_NAMESPACE", show_envvar=True, metavar="NS")
@click.option(
    "--session",
    envvar=SESSION_ENV,
    show_envvar=True,
    metavar="ID",
    help="Session id for the audit trail [default: a new mcp_... id per process].",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Let --transport http listen on a non-loopback address (anyone who reaches it acts "
    "with the agent's token).",
)
def mcp(
    transport: str,
    host: str,
    port: int,
    addr: str | None,
    token: str | None,
    namespace: str | None,
    session: str | None,
    allow_remote: bool,
) -> None:
    """Serve credgate's tools to an AI agent over the Model Context Protocol."""
    from credgate.adapters.mcp.server import new_session_id, serve

    if not token:
        raise ConfigError(
            "credgate mcp needs the agent's token",
            hint=f"set ${TOKEN_ENV} in the MCP host's configuration (env) for this server",
        )
    if transport == "http" and host not in LOOPBACK and not allow_remote:
        raise ConfigError(
            f"refusing to serve MCP over HTTP on {host}: it has no authentication of its own",
            hint="keep --host 127.0.0.1, or pass --allow-remote behind an authenticating proxy",
        )
    client = Client(addr, token, namespace=namespace, session_id=session or new_session_id())
    serve(client, transport="http" if transport == "http" else "stdio", host=host, port=port)
