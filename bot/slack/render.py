"""Block Kit for every message dealbot sends: pure functions from runs to blocks and text.

An answer renders three ways, each plainer than the last, for when Slack refuses a block:
"rich" (the text in a `markdown` block, a `data_table`, a `data_visualization`, the program
in a collapsed container), "basic" (a `table` block, the chart as a PNG) and "plain" (text
alone; the program, the table and the chart as files in the thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContainerBlock,
    ContextActionsBlock,
    ContextBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    MarkdownTextObject,
    RichTextBlock,
    RichTextPreformattedElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.records import RunRecord
from bot.slack.chart_image import draw_chart
from bot.slack.render_data import (
    chart_block,
    data_table_block,
    left_out_note,
    table_block,
    table_csv,
)
from bot.slack.text import (
    chunks,
    code_fence,
    escape,
    plural,
    shorten,
    slack_date,
    to_markdown,
    to_mrkdwn,
)

Rendering = Literal["rich", "basic", "plain"]
RENDERINGS: tuple[Rendering, ...] = get_args(Rendering)

SECTION_CHARS = 2900  # Block Kit allows 3,000 per section text
ANSWER_CHARS = 11_000  # the answer text; longer answers are shortened with a note
MARKDOWN_CHARS = 12_000  # what a message's markdown blocks (and one stream call) may hold
CODE_PREVIEW_CHARS = 2500  # what fits the collapsible block; the rest opens in a modal
FALLBACK_CHARS = 3500  # the notification/fallback `text`
MODAL_BLOCKS = 90  # views allow 100 blocks
CAPTION_CHARS = 100

ACTION_VIEW_CODE = "view_code"
ACTION_FEEDBACK = "feedback"
ACTION_WATCH_OPEN = "watch_open"
ACTION_ASK_FRESH = "ask_fresh"

EXAMPLES = (
    "Any deals on orange soda this weekend?",
    "What's the cheapest cereal on sale right now, per ounce?",
    "How much would I save buying 2 cases of Coke and 3 bags of chips this week?",
    "When did Tide pods last go on sale, and for how much?",
)


@dataclass(frozen=True)
class Message:
    """What to send: a `text` fallback (always) and the blocks."""

    text: str
    blocks: list[dict]


@dataclass(frozen=True)
class Upload:
    """A file shared in the answer's thread: a chart image, a table, a program."""

    filename: str
    content: bytes
    title: str
    alt_txt: str | None = None
    snippet_type: str | None = None


@dataclass(frozen=True)
class Answer:
    """An answer in one rendering: its text as safe Markdown (streamed, or the first block),
    the same as mrkdwn (notifications; all of it when plain), the blocks under the text, and
    files for its thread."""

    markdown: str
    text: str
    blocks: list[dict]
    rendering: Rendering
    uploads: tuple[Upload, ...] = ()
    heading: str | None = None  # mrkdwn shown above the text (whose question it answers)

    def message(self) -> Message:
        """The answer as one posted message."""
        top = [_context(self.heading)] if self.heading else []
        if self.rendering == "plain":
            text = f"{self.heading}\n{self.text}" if self.heading else self.text
            return Message(text=text, blocks=[])
        markdown = {"type": "markdown", "text": self.markdown}
        notification = shorten(self.text, FALLBACK_CHARS)
        if self.heading:
            notification = f"{self.heading}\n{notification}"
        return Message(text=notification, blocks=[*top, markdown, *self.blocks])


@dataclass
class _Parts:
    """What an answer shows under its text at one rendering."""

    blocks: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said in the text when plain
    uploads: list[Upload] = field(default_factory=list)


def _section(mrkdwn: str) -> dict:
    return SectionBlock(text=MarkdownTextObject(text=mrkdwn)).to_dict()


def _context(mrkdwn: str) -> dict:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn)]).to_dict()


def _code_block(code: str) -> dict:
    """A program in a rich_text block: for modals and ephemeral replies (not in a container,
    whose validator refuses rich_text children)."""
    element = RichTextPreformattedElement(elements=[{"type": "text", "text": code}])
    return RichTextBlock(elements=[element]).to_dict()


def render_working() -> Message:
    text = ":mag: Looking through the deals…"
    return Message(text=text, blocks=[_context(text)])


def render_answer(
    run: RunRecord,
    rendering: Rendering = "rich",
    *,
    cost: float | None = None,
    heading: str | None = None,
) -> Answer:
    """The answer, its table and chart, the program collapsed beneath, a footer, and
    feedback buttons."""
    answer = run.answer or ""
    if len(answer) > ANSWER_CHARS:
        answer = shorten(answer, ANSWER_CHARS) + "\n(answer shortened)"
    parts = _data_parts(run, rendering)
    footer = f"Answered in {run.duration_ms / 1000:.1f} s · run `{run.run_id}`"
    if run.reused_from:
        footer += f" · reused the program of run `{run.reused_from}`"
    return _answer(
        run,
        to_markdown(answer),
        to_mrkdwn(answer),
        parts,
        footer,
        rendering,
        cost,
        heading,
        feedback=True,
    )


def render_failure(
    run: RunRecord,
    rendering: Rendering = "rich",
    *,
    cost: float | None = None,
    heading: str | None = None,
) -> Answer:
    """A short, human reply for a run that did not produce an answer."""
    reason = run.error or "Something went wrong on my side — sorry."
    footer = f"run `{run.run_id}`"
    return _answer(
        run,
        f"⚠️ {to_markdown(reason)}",
        f":warning: {escape(reason)}",
        _Parts(),
        footer,
        rendering,
        cost,
        heading,
        feedback=False,
    )


def _answer(
    run: RunRecord,
    markdown: str,
    text: str,
    parts: _Parts,
    footer: str,
    rendering: Rendering,
    cost: float | None,
    heading: str | None,
    *,
    feedback: bool,
) -> Answer:
    if rendering == "plain":
        uploads = list(parts.uploads)
        if run.code:
            uploads.append(Upload("program.py", run.code.encode(), "The program", None, "python"))
        lines = [text, *parts.notes, f"_{footer} · {code_view_line(run, cost)}_"]
        return Answer(
            markdown[:MARKDOWN_CHARS], "\n".join(lines), [], rendering, tuple(uploads), heading
        )
    blocks = list(parts.blocks)
    if run.code:
        blocks += _program_blocks(run, cost)
    blocks.append(_context(footer))
    if feedback:
        blocks.append(_feedback(run.run_id))
        blocks += _answer_actions(run)
    return Answer(markdown[:MARKDOWN_CHARS], text, blocks, rendering, tuple(parts.uploads), heading)


def _answer_actions(run: RunRecord) -> list[dict]:
    """🔔 Watch under an answer with a program (not under a watch's own post), and Ask fresh
    under one that reused a cached program."""
    buttons = []
    if run.code and run.origin.source != "watch":
        buttons.append(
            ButtonElement(text="🔔 Watch", action_id=ACTION_WATCH_OPEN, value=run.run_id)
        )
    if run.reused_from:
        buttons.append(
            ButtonElement(text="Ask fresh", action_id=ACTION_ASK_FRESH, value=run.run_id)
        )
    return [ActionsBlock(block_id="answer_actions", elements=buttons).to_dict()] if buttons else []


def _data_parts(run: RunRecord, rendering: Rendering) -> _Parts:
    """The table and chart at this rendering, and what could not be shown, said plainly."""
    parts = _Parts()
    caption = shorten(" ".join(run.question.split()), CAPTION_CHARS)
    if run.table and rendering == "plain":
        parts.uploads.append(Upload("table.csv", table_csv(run.table), caption, None, "csv"))
        parts.notes.append(f"The table ({plural(len(run.table.rows), 'row')}) is attached.")
    elif run.table:
        shown = (
            data_table_block(run.table, caption) if rendering == "rich" else table_block(run.table)
        )
        parts.blocks.append(shown.block)
        note = left_out_note(run.table, shown)
        if note:
            parts.blocks.append(_context(escape(note)))
    if run.chart:
        block = chart_block(run.chart) if rendering == "rich" else None
        if block is not None:
            parts.blocks.append(block)
        else:
            image = draw_chart(run.chart)
            if image is not None:
                title = run.chart.title
                parts.uploads.append(Upload("chart.png", image, title, f"{run.chart.kind} chart"))
                note = f":chart_with_upwards_trend: The chart “{escape(title)}” is in the thread."
                parts.blocks.append(_context(note))
                parts.notes.append(note)
    return parts


def _program_blocks(run: RunRecord, cost: float | None) -> list[dict]:
    """The program in a collapsed container (a section with a code fence: a child the
    validator is known to accept), what it cost beneath it; a button when it is cut."""
    code = run.code or ""
    preview = shorten(code, CODE_PREVIEW_CHARS, marker="\n# … (see the full program)")
    while len(code_fence(preview)) > SECTION_CHARS:
        preview = shorten(preview, int(len(preview) * 0.9), marker="\n# … (see the full program)")
    container = ContainerBlock(
        title=f"Program ({plural(count_lines(code), 'line')})",
        child_blocks=[_section(code_fence(preview)), _context(code_view_line(run, cost))],
        is_collapsible=True,
        default_collapsed=True,
    ).to_dict()
    if preview == code:
        return [container]
    button = ButtonElement(text="View full code", action_id=ACTION_VIEW_CODE, value=run.run_id)
    return [container, ActionsBlock(elements=[button]).to_dict()]


def count_lines(code: str) -> int:
    """Lines as an editor numbers them: a final newline starts no line of its own."""
    return len(code.splitlines())


def code_view_line(run: RunRecord, cost: float | None = None) -> str:
    """What the answer took, for those who look under the hood."""
    line = (
        f"{escape(run.model)} · {plural(run.usage.llm_calls, 'model call')} · "
        f"{plural(run.tool_calls, 'tool call')} · {run.duration_ms / 1000:.1f} s"
    )
    return f"{line} · ≈ ${cost:.4f}" if cost is not None else line


def _feedback(run_id: str) -> dict:
    buttons = FeedbackButtonsElement(
        action_id=ACTION_FEEDBACK,
        positive_button=FeedbackButtonObject(
            text="👍", accessibility_label="Good answer", value=f"up:{run_id}"
        ),
        negative_button=FeedbackButtonObject(
            text="👎", accessibility_label="Bad answer", value=f"down:{run_id}"
        ),
    )
    return ContextActionsBlock(elements=[buttons]).to_dict()


def footer(run: RunRecord) -> str:
    """One line under a program shown on its own: the run and what it took."""
    return f"run `{run.run_id}` · {code_view_line(run)}"


def render_notice(text: str) -> Message:
    """A one-line message (refusal, bad id), escaped."""
    safe = escape(text)
    return Message(text=safe, blocks=[_section(safe)])


def render_rate_limited(asked: int, window: str, again_at: datetime | None) -> Message:
    """The reply to a question over the asker's limit, saying when they can ask again (in
    their own time, via Slack's date formatting)."""
    text = (
        f"You've asked {plural(asked, 'question')} in the last {window} — that's my limit for now."
    )
    if again_at is not None:
        text += f" You can ask again {slack_date(again_at, '{date_short_pretty} at {time}')}."
    else:
        text += " Please try again a little later."
    return Message(text=text, blocks=[_section(text)])


def render_help() -> Message:
    examples = "\n".join(f"• {example}" for example in EXAMPLES)
    text = (
        "*Ask me about store deals.* Mention me in a channel, message me directly, "
        "or use `/dealbot ask …`. I write a short program against the deals database "
        "and show it under each answer. Reply in my thread to follow up — no need to "
        "mention me again.\n\n"
        f"*Try:*\n{examples}\n\n"
        "*Commands:* `/dealbot ask QUESTION` · `/dealbot watch QUESTION [every SCHEDULE]` · "
        "`/dealbot watches` · `/dealbot history [N]` · `/dealbot code RUN_ID` · `/dealbot help`"
    )
    return Message(text="Ask me about store deals, e.g. " + EXAMPLES[0], blocks=[_section(text)])


def render_history(runs: Sequence[RunRecord]) -> Message:
    if not runs:
        return render_notice("You haven't asked me anything yet. Try `/dealbot help`.")
    title = f"Your last {plural(len(runs), 'question')}"
    blocks = [_section(f"*{title}*")]
    for run in runs:
        mark = {"ok": ":white_check_mark:", "failed": ":x:"}.get(run.status, ":hourglass:")
        line = (
            f"{mark} `{run.run_id}` · {slack_date(run.created_at)} · "
            f"{escape(shorten(' '.join(run.question.split()), 120))}"
        )
        block = SectionBlock(text=MarkdownTextObject(text=line)).to_dict()
        if run.code:
            block["accessory"] = ButtonElement(
                text="View code", action_id=ACTION_VIEW_CODE, value=run.run_id
            ).to_dict()
        blocks.append(block)
    return Message(text=title, blocks=blocks[:50])


def render_code(run: RunRecord) -> Message:
    """One run's program, for an ephemeral reply."""
    if not run.code:
        return render_notice(f"Run {run.run_id} has no program (it was answered in plain text).")
    question = escape(shorten(" ".join(run.question.split()), 200))
    blocks = [_section(f"*Run `{run.run_id}`:* {question}")]
    blocks += [_code_block(piece) for piece in chunks(run.code, SECTION_CHARS)][:40]
    blocks.append(_context(footer(run)))
    return Message(text=f"Program of run {run.run_id}", blocks=blocks)


def render_code_modal(run: RunRecord) -> dict:
    pieces = chunks(run.code or "(no program)", SECTION_CHARS)[: MODAL_BLOCKS - 1]
    blocks = [_context(escape(shorten(" ".join(run.question.split()), 300)))]
    blocks += [_code_block(piece) for piece in pieces]
    view = View(
        type="modal",
        title=f"Program {run.run_id}",
        close="Close",
        blocks=blocks,
    )
    return view.to_dict()
