"""Serves a slack_bolt `App` over local HTTP, so tests reach it as Slack does: signed POSTs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_bolt import App, BoltRequest

from tests.fakes.http_server import LocalHTTPServer, Request, Response


class BoltHTTPServer(LocalHTTPServer):
    """`app` on 127.0.0.1; POST to ``events_url`` (any path dispatches to the app)."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def handle(self, request: Request) -> Response:
        query: dict[str, Sequence[str]] = dict(request.query)
        bolt_request = BoltRequest(
            body=request.body.decode(),
            query=query,
            headers=dict(request.headers),
        )
        bolt_response = self.app.dispatch(bolt_request)
        headers: dict[str, Any] = {
            name: ", ".join(values)
            for name, values in bolt_response.headers.items()
            if name != "content-length"
        }
        return Response(bolt_response.status, bolt_response.body.encode(), headers)
