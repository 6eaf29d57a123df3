"""Block Kit for every message dealbot sends: pure functions from runs to blocks and text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
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

from bot.runs import RunRecord
from bot.slack.text import chunks, escape, shorten, to_mrkdwn

SECTION_CHARS = 2900  # Block Kit allows 3,000 per section text
ANSWER_CHARS = 11_000  # a few sections; longer answers are shortened with a note
CODE_PREVIEW_CHARS = 2500  # what fits the collapsible block; the rest opens in a modal
FALLBACK_CHARS = 3500  # the notification/fallback `text`
MODAL_BLOCKS = 90  # views allow 100 blocks

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


def _section(mrkdwn: str) -> dict:
    return SectionBlock(text=MarkdownTextObject(text=mrkdwn)).to_dict()


def _context(mrkdwn: str) -> dict:
    return ContextBlock(elements=[MarkdownTextObject(text=mrkdwn)]).to_dict()


def _code_block(code: str) -> Block:
    return RichTextBlock(
        elements=[RichTextPreformattedElement(elements=[{"type": "text", "text": code}])]
    )


def render_working() -> Message:
    text = ":mag: Looking through the deals…"
    return Message(text=text, blocks=[_context(text)])


def render_answer(run: RunRecord) -> Message:
    """The answer, the program collapsed beneath it, a footer, and feedback buttons."""
    answer = run.answer or ""
    if len(answer) > ANSWER_CHARS:
        answer = shorten(answer, ANSWER_CHARS) + "\n(answer shortened)"
    blocks = [_section(piece) for piece in chunks(to_mrkdwn(answer), SECTION_CHARS)]
    if run.code:
        blocks += _program_blocks(run)
    blocks.append(_context(footer(run)))
    blocks.append(_feedback(run.run_id))
    blocks += _answer_actions(run)
    return Message(text=shorten(escape(answer), FALLBACK_CHARS), blocks=blocks)


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


def _program_blocks(run: RunRecord) -> list[dict]:
    code = run.code or ""
    lines = code.count("\n") + 1
    preview = shorten(code, CODE_PREVIEW_CHARS, marker="\n# … (see the full program)")
    container = ContainerBlock(
        title=f"Program ({lines} lines)",
        child_blocks=[_code_block(preview)],
        is_collapsible=True,
        default_collapsed=True,
    ).to_dict()
    if preview == code:
        return [container]
    button = ButtonElement(text="View full code", action_id=ACTION_VIEW_CODE, value=run.run_id)
    return [container, ActionsBlock(elements=[button]).to_dict()]


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
    calls = "call" if run.llm_calls == 1 else "calls"
    reused = f" · reused the program of run `{run.reused_from}`" if run.reused_from else ""
    return (
        f"run `{run.run_id}` · {run.llm_calls} model {calls} · {run.tool_calls} tool calls · "
        f"{run.duration_ms / 1000:.1f}s{reused}"
    )


def render_failure(run: RunRecord) -> Message:
    """A short, human reply for a run that did not produce an answer."""
    reason = escape(run.error or "Something went wrong on my side — sorry.")
    blocks = [_section(f":warning: {reason}")]
    if run.code:
        blocks += _program_blocks(run)
    blocks.append(_context(footer(run)))
    return Message(text=reason, blocks=blocks)


def render_notice(text: str) -> Message:
    """A one-line message (rate limit, refusal, bad id), escaped."""
    safe = escape(text)
    return Message(text=safe, blocks=[_section(safe)])


def render_help() -> Message:
    examples = "\n".join(f"• {example}" for example in EXAMPLES)
    text = (
        "*Ask me about store deals.* Mention me in a channel, message me directly, "
        "or use `/dealbot ask …`. I write a short program against the deals database "
        "and show it under each answer.\n\n"
        f"*Try:*\n{examples}\n\n"
        "*Commands:* `/dealbot ask QUESTION` · `/dealbot watch QUESTION [every SCHEDULE]` · "
        "`/dealbot watches` · `/dealbot history [N]` · `/dealbot code RUN_ID` · `/dealbot help`"
    )
    return Message(text="Ask me about store deals, e.g. " + EXAMPLES[0], blocks=[_section(text)])


def render_history(runs: Sequence[RunRecord]) -> Message:
    if not runs:
        return render_notice("You haven't asked me anything yet. Try `/dealbot help`.")
    blocks = [_section(f"*Your last {len(runs)} questions*")]
    for run in runs:
        mark = {"ok": ":white_check_mark:", "failed": ":x:"}.get(run.status, ":hourglass:")
        line = (
            f"{mark} `{run.run_id}` · {run.created_at:%b %d %H:%M} UTC · "
            f"{escape(shorten(' '.join(run.question.split()), 120))}"
        )
        block = SectionBlock(text=MarkdownTextObject(text=line)).to_dict()
        if run.code:
            block["accessory"] = ButtonElement(
                text="View code", action_id=ACTION_VIEW_CODE, value=run.run_id
            ).to_dict()
        blocks.append(block)
    return Message(text=f"Your last {len(runs)} questions", blocks=blocks[:50])


def render_code(run: RunRecord) -> Message:
    """One run's program, for an ephemeral reply."""
    if not run.code:
        return render_notice(f"Run {run.run_id} has no program (it was answered in plain text).")
    question = escape(shorten(" ".join(run.question.split()), 200))
    blocks = [_section(f"*Run `{run.run_id}`:* {question}")]
    blocks += [_code_block(piece).to_dict() for piece in chunks(run.code, SECTION_CHARS)][:40]
    blocks.append(_context(footer(run)))
    return Message(text=f"Program of run {run.run_id}", blocks=blocks)


def render_code_modal(run: RunRecord) -> dict:
    pieces = chunks(run.code or "(no program)", SECTION_CHARS)[: MODAL_BLOCKS - 1]
    blocks = [_context(escape(shorten(" ".join(run.question.split()), 300)))]
    blocks += [_code_block(piece).to_dict() for piece in pieces]
    view = View(
        type="modal",
        title=f"Program {run.run_id}",
        close="Close",
        blocks=blocks,
    )
    return view.to_dict()
