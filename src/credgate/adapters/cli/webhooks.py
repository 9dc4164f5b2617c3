"""``credgate webhook``: where notifications go, and the delivery log.

    credgate webhook create NAME --url URL [--format json|slack] [--event KIND ...]
                            [--include-children] [--secret S] [--description TEXT]
    credgate webhook list
    credgate webhook get NAME
    credgate webhook delete NAME
    credgate webhook deliveries [--webhook NAME] [--status S] [--kind KIND] [--limit N]
    credgate webhook redeliver DELIVERY_ID

``create`` prints the signing secret once (receivers verify the ``X-Credgate-Signature``
header with it); it cannot be read back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from credgate.adapters.cli.remote import Remote, print_table, remote_command
from credgate.adapters.cli.tabular import Column, field, show_rows

WEBHOOK_COLUMNS: tuple[Column, ...] = (
    field("name"),
    ("url", lambda w: w.get("url_hint")),
    field("format"),
    field("events"),
    field("enabled"),
)
DELIVERY_COLUMNS: tuple[Column, ...] = (
    field("id"),
    field("webhook"),
    field("kind"),
    field("status"),
    field("attempts"),
    ("last_status", lambda d: d.get("last_status_code")),
    field("created_at"),
)
_SHOWN = (
    "name",
    "url_hint",
    "format",
    "events",
    "include_children",
    "enabled",
    "description",
    "created_at",
    "created_by",
)


def show_webhook(remote: Remote, data: Mapping[str, Any]) -> None:
    remote.show(dict(data), lambda: print_table({k: data[k] for k in _SHOWN if k in data}))


@click.group("webhook")
def webhook() -> None:
    """Webhooks that receive notifications, and their delivery log."""


@webhook.command("create")
@click.argument("name")
@click.option("--url", required=True, help="Where to POST (http:// or https://).")
@click.option("--format", "format_", type=click.Choice(["json", "slack"]), default="json")
@click.option(
    "--event", "events", multiple=True, metavar="KIND", help="approval.*, elevation.granted..."
)
@click.option("--include-children", is_flag=True, help="Also events of child namespaces.")
@click.option("--secret", default=None, help="Signing secret (default: generated).")
@click.option("--description", default="", help="What it is for.")
@remote_command
def webhook_create(
    name: str,
    url: str,
    format_: str,
    events: tuple[str, ...],
    include_children: bool,
    secret: str | None,
    description: str,
    remote: Remote,
) -> None:
    """Register webhook NAME; its signing secret is printed once."""
    with remote.client() as cg:
        data = cg.create_webhook(
            name,
            url,
            format=format_,
            events=list(events) or None,
            include_children=include_children,
            secret=secret,
            description=description,
        )

    def human() -> None:
        print_table({k: data[k] for k in (*_SHOWN, "secret") if k in data})
        click.echo("(the secret is shown only now: store it where the receiver reads it)")

    remote.show(data, human)


@webhook.command("list")
@remote_command
def webhook_list(remote: Remote) -> None:
    """List the webhooks of the namespace."""
    with remote.client() as cg:
        rows = cg.list_webhooks()
    show_rows(remote, rows, WEBHOOK_COLUMNS, "no webhooks")


@webhook.command("get")
@click.argument("name")
@remote_command
def webhook_get(name: str, remote: Remote) -> None:
    """Show webhook NAME (the URL as scheme, host and port)."""
    with remote.client() as cg:
        show_webhook(remote, cg.read_webhook(name))


@webhook.command("delete")
@click.argument("name")
@remote_command
def webhook_delete(name: str, remote: Remote) -> None:
    """Delete webhook NAME."""
    with remote.client() as cg:
        cg.delete_webhook(name)
    remote.done(f"deleted webhook {name}")


@webhook.command("deliveries")
@click.option("--webhook", "webhook_name", default=None, metavar="NAME")
@click.option("--status", default=None, help="pending, delivering, delivered or dead.")
@click.option("--kind", default=None, help="A notification kind, e.g. approval.requested.")
@click.option("--limit", type=click.IntRange(1, 1000), default=None)
@remote_command
def webhook_deliveries(
    webhook_name: str | None,
    status: str | None,
    kind: str | None,
    limit: int | None,
    remote: Remote,
) -> None:
    """The delivery log, newest first."""
    with remote.client() as cg:
        rows = cg.list_deliveries(webhook=webhook_name, status=status, kind=kind, limit=limit)
    show_rows(remote, rows, DELIVERY_COLUMNS, "no deliveries")


@webhook.command("redeliver")
@click.argument("delivery_id", metavar="DELIVERY_ID")
@remote_command
def webhook_redeliver(delivery_id: str, remote: Remote) -> None:
    """Queue delivery DELIVERY_ID again."""
    with remote.client() as cg:
        data = cg.redeliver(delivery_id)
    remote.done(f"queued delivery {delivery_id} again", data)
