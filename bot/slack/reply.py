"""One answer's life in a Slack conversation, from the first sign of progress to the answer.

Progress shows the best way the workspace allows: Slack's own status with rotating loading
messages, then a streamed message with a task per step (program written, ran with N tool
calls, repaired); where the workspace refuses either (remembered per workspace), the
placeholder message that the answer replaces. The answer is delivered exactly once whatever
fails midway: a stream that cannot be finished is replaced by the answer, and when Slack
refuses a block the answer is sent again in a plainer rendering.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.chat_stream import ChatStream

from bot.records import Progress
from bot.slack.memory import SlackMemory
from bot.slack.render import RENDERINGS, Answer, Message, Rendering, count_lines, render_working
from bot.slack.text import plural

log = logging.getLogger(__name__)

# Slack refused the call, or could not be reached even after the client's own retries.
SLACK_FAILURES = (SlackClientError, OSError)
# Slack's answers refusing a message's blocks: the answer goes again, plainer.
BLOCK_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long"})
STATUS = "is looking through the deals…"
TaskStatus = Literal["pending", "in_progress", "complete", "error"]  # as Slack names them

_refusals_logged: set[tuple[str, str]] = set()


def loading_messages(stores: int | None) -> list[str]:
    """What the status rotates through while the first program is written."""
    checking = f"Checking {plural(stores, 'store')}…" if stores else "Checking the stores…"
    return ["Writing a program…", checking, "Comparing prices…"]


@dataclass(frozen=True)
class Where:
    """Where an answer goes: the conversation, the thread (None: top level), and who asked."""

    channel: str
    thread_ts: str | None
    team_id: str | None
    user_id: str | None


@dataclass(frozen=True)
class Delivered:
    """The answer's message, and the thread it is in."""

    ts: str
    thread_ts: str


class Reply:
    """Progress, then the answer, for one question."""

    def __init__(
        self,
        client: WebClient,
        where: Where,
        memory: SlackMemory,
        *,
        stores: int | None = None,
        private_reply: Callable[[Message], None] | None = None,
        replacing: str | None = None,
    ) -> None:
        self.client = client
        self.where = where
        self.memory = memory
        self.stores = stores
        self.private_reply = private_reply
        self._status_shown = False
        self._may_stream: bool | None = None  # asked of the memory once, then known
        self._stream: ChatStream | None = None
        self._stream_broken = False
        # A message already showing progress (a dead process's placeholder or stream): the
        # answer replaces it.
        self._placeholder: str | None = replacing
        self._open_tasks: dict[str, str] = {}  # task id -> title, for the stream's last word

    # --- progress ------------------------------------------------------------------------

    def start(self) -> None:
        """The first sign of progress: the status, else a stream, else a placeholder."""
        if self._placeholder is not None:
            return
        if self.where.thread_ts is not None:
            if self.memory.allows(self.where.team_id, "status") and self._set_status(
                loading_messages(self.stores)
            ):
                return
            if self._can_stream() and self._open_stream([_task("program-1", "Writing a program")]):
                return
        self._placeholder = self._post_quietly(render_working())

    def step(self, progress: Progress) -> None:
        """One program written or run: a task in the stream, else a new status."""
        chunks = _task_chunks(progress, self.stores)
        if self._stream is not None:
            if not self._stream_broken:
                self._append(chunks)
        elif self._can_stream() and self._open_stream(chunks):
            return
        elif self._status_shown:
            self._set_status(_step_loading(progress))

    # --- delivery ------------------------------------------------------------------------

    def finish(self, render: Callable[[Rendering], Answer], *, ok: bool) -> Delivered | None:
        """Deliver the answer once: finish the stream, else replace the stream's message or
        the placeholder, else post it; None when it could be posted nowhere public."""
        if self._stream is None and self._placeholder is None and self._can_stream():
            self._stream = self._new_stream()  # started by its first flush below
        if self._stream is not None and not self._stream_broken:
            delivered = self._finish_stream(render, ok=ok)
            if delivered is not None:
                return delivered
        target = self._stream.ts if self._stream is not None else self._placeholder
        if target is not None:
            delivered = self._update(target, render)
            if delivered is not None:
                return delivered
            log.warning("could not replace message %s: posting the answer anew", target)
            self._retract(target)
        return self._post(render)

    def _finish_stream(
        self, render: Callable[[Rendering], Answer], *, ok: bool
    ) -> Delivered | None:
        stream = self._stream
        assert stream is not None
        closing = [
            _task(task, title, "complete" if ok else "error")
            for task, title in self._open_tasks.items()
        ]
        text_sent = False

        def stop(answer: Answer) -> str:
            nonlocal text_sent
            if not text_sent:
                text_sent = True  # appended text stays in the stream's buffer on failure
                stream.append(markdown_text=answer.markdown)
            stream.stop(blocks=answer.blocks or None, chunks=closing or None)
            return stream.ts or ""

        return self._send(render, stop, self._stream_failed)

    def _update(self, ts: str, render: Callable[[Rendering], Answer]) -> Delivered | None:
        def update(answer: Answer) -> str:
            message = answer.message()
            self.client.chat_update(
                channel=self.where.channel,
                ts=ts,
                text=message.text,
                blocks=message.blocks,
                link_names=False,
            )
            return ts

        return self._send(
            render, update, lambda exc: log.warning("could not update %s: %s", ts, _reason(exc))
        )

    def _post(self, render: Callable[[Rendering], Answer]) -> Delivered | None:
        delivered = self._send(
            render,
            lambda answer: post_message(self.client, self.where, answer.message()),
            lambda exc: log.warning("could not post to %s: %s", self.where.channel, _reason(exc)),
        )
        if delivered is None and self.private_reply is not None:
            self.private_reply(render("rich").message())
        return delivered

    def _send(
        self,
        render: Callable[[Rendering], Answer],
        send: Callable[[Answer], str],
        failed: Callable[[Exception], None],
    ) -> Delivered | None:
        """Send the answer at each rendering in turn until Slack takes one; None when Slack
        fails for another reason than its blocks, or refuses even the plainest."""
        for rendering in RENDERINGS:
            answer = render(rendering)
            try:
                ts = send(answer)
            except SLACK_FAILURES as exc:
                if isinstance(exc, SlackApiError) and _block_refusal(exc, rendering):
                    continue
                failed(exc)
                return None
            return self._delivered(ts, answer)
        return None

    @property
    def message_ts(self) -> str | None:
        """The message showing progress (the stream's once Slack started it), if any."""
        return self._stream.ts if self._stream is not None else self._placeholder

    def abandon(self) -> None:
        """No answer is coming from this process (it failed past the agent's own handling):
        take back the stream or placeholder, so the answer given later (by recovery) is the
        only one the thread shows."""
        target = self._stream.ts if self._stream is not None else self._placeholder
        if target is not None:
            self._retract(target)

    def _retract(self, ts: str) -> None:
        """Delete a half-finished stream or a placeholder, so the answer posted anew is the
        only one the thread shows."""
        try:
            self.client.chat_delete(channel=self.where.channel, ts=ts)
        except SLACK_FAILURES as exc:
            log.warning("could not delete %s: %s", ts, _reason(exc))

    def _delivered(self, ts: str, answer: Answer) -> Delivered:
        thread = self.where.thread_ts or ts
        for upload in answer.uploads:
            try:
                self.client.files_upload_v2(
                    content=upload.content,
                    filename=upload.filename,
                    title=upload.title,
                    alt_txt=upload.alt_txt,
                    snippet_type=upload.snippet_type,
                    channel=self.where.channel,
                    thread_ts=thread,
                )
            except SLACK_FAILURES as exc:
                log.warning("could not share %s in %s: %s", upload.filename, thread, _reason(exc))
        return Delivered(ts=ts, thread_ts=thread)

    # --- Slack's status and streams ------------------------------------------------------

    def _set_status(self, loading: Sequence[str]) -> bool:
        try:
            self.client.assistant_threads_setStatus(
                channel_id=self.where.channel,
                thread_ts=self.where.thread_ts or "",
                status=STATUS,
                loading_messages=list(loading),
            )
        except SLACK_FAILURES as exc:
            if isinstance(exc, SlackApiError):
                self.memory.refused(self.where.team_id, "status", _reason(exc))
            log.info("no status in %s: %s", self.where.channel, _reason(exc))
            return False
        self._status_shown = True
        return True

    def _can_stream(self) -> bool:
        if self.where.thread_ts is None:
            return False
        if self._may_stream is None:
            self._may_stream = self.memory.allows(self.where.team_id, "streaming")
        return self._may_stream

    def _new_stream(self) -> ChatStream:
        return self.client.chat_stream(
            channel=self.where.channel,
            thread_ts=self.where.thread_ts or "",
            recipient_team_id=self.where.team_id,
            recipient_user_id=self.where.user_id,
            task_display_mode="timeline",
        )

    def _open_stream(self, chunks: list[dict[str, Any]]) -> bool:
        stream = self._new_stream()
        self._stream = stream
        if self._append(chunks):
            return True
        self._stream = None
        return False

    def _append(self, chunks: list[dict[str, Any]]) -> bool:
        assert self._stream is not None
        try:
            self._stream.append(chunks=chunks)
        except SLACK_FAILURES as exc:
            self._stream_failed(exc)
            return False
        for chunk in chunks:
            if chunk["status"] == "in_progress":
                self._open_tasks[chunk["id"]] = chunk["title"]
            else:
                self._open_tasks.pop(chunk["id"], None)
        return True

    def _stream_failed(self, exc: Exception) -> None:
        """A stream that would not start is refused (remembered when the workspace refuses);
        one that fails midway is broken, and the answer replaces its message."""
        if self._stream is not None and self._stream.ts is None:
            self._may_stream = False
            if isinstance(exc, SlackApiError):
                self.memory.refused(self.where.team_id, "streaming", _reason(exc))
            log.info("no stream in %s: %s", self.where.channel, _reason(exc))
            self._stream = None
            return
        self._stream_broken = True
        log.warning("stream in %s failed midway: %s", self.where.channel, _reason(exc))

    def _post_quietly(self, message: Message) -> str | None:
        try:
            return post_message(self.client, self.where, message)
        except SLACK_FAILURES as exc:
            log.warning("could not post to %s: %s", self.where.channel, _reason(exc))
            return None


def post_message(client: WebClient, where: Where, message: Message) -> str:
    """Post a message in the conversation (in its thread when it has one); its ts."""
    response = client.chat_postMessage(
        channel=where.channel,
        thread_ts=where.thread_ts,
        text=message.text,
        blocks=message.blocks or None,
        unfurl_links=False,
        unfurl_media=False,
        link_names=False,
    )
    return response["ts"]


def post_or_plain(client: WebClient, where: Where, message: Message) -> str:
    """Post a message; when Slack refuses its blocks, its text alone (for messages with one
    rendering: notices, help, greetings)."""
    try:
        return post_message(client, where, message)
    except SlackApiError as exc:
        if not message.blocks or not _block_refusal(exc, "rich"):
            raise
    return post_message(client, where, Message(text=message.text, blocks=[]))


def _task(task_id: str, title: str, status: TaskStatus = "in_progress") -> dict[str, Any]:
    return {"type": "task_update", "id": task_id, "title": title, "status": status}


def _task_chunks(progress: Progress, stores: int | None) -> list[dict[str, Any]]:
    number, attempt = progress.number, progress.attempt
    if attempt is None:
        wrote = "Wrote a program" if number == 1 else "Fixed the program"
        lines = plural(count_lines(progress.code), "line")
        return [
            _task(f"program-{number}", f"{wrote} ({lines})", "complete"),
            _task(f"run-{number}", "Running it" if number == 1 else "Running it again"),
        ]
    if attempt.ok:
        calls = plural(attempt.tool_calls, "tool call")
        return [_task(f"run-{number}", f"Ran it with {calls}", "complete")]
    kind = (attempt.error_kind or "error").replace("_", " ")
    return [
        _task(f"run-{number}", f"It stopped with an error ({kind})", "error"),
        _task(f"program-{number + 1}", "Fixing the error"),
    ]


def _step_loading(progress: Progress) -> list[str]:
    if progress.attempt is None:
        return ["Running the program…", "Checking the deals…"]
    if progress.attempt.ok:
        return ["Writing up the answer…"]
    return ["Fixing an error…", "Writing a better program…"]


def _block_refusal(exc: SlackApiError, rendering: Rendering) -> bool:
    """Whether Slack refused the blocks; logged once per kind of refusal and rendering."""
    error = _reason(exc)
    if error not in BLOCK_ERRORS:
        return False
    key = (error, rendering)
    if key not in _refusals_logged:
        _refusals_logged.add(key)
        details = exc.response.get("response_metadata", {}).get("messages") or exc.response.get(
            "errors"
        )
        log.warning(
            "Slack refused the %s rendering (%s: %s); sending a plainer one",
            rendering,
            error,
            details,
        )
    else:
        log.info("Slack refused the %s rendering (%s) again", rendering, error)
    return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    return repr(exc)
