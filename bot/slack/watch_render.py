"""Block Kit for watches: the Watch modal, the watch's posts, the /dealbot watches list and
the notices to an owner. Pure functions from watches and runs to blocks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.records import RunRecord
from bot.slack.render import Message, render_answer, render_notice
from bot.slack.text import escape, shorten
from bot.watches.runner import Paused
from bot.watches.schedule import EXAMPLES, MAX_SCHEDULE_CHARS
from bot.watches.store import Watch

CALLBACK_WATCH_CREATE = "watch_create"
ACTION_WATCH_PAUSE = "watch_pause"
ACTION_WATCH_RESUME = "watch_resume"
ACTION_WATCH_RUN_NOW = "watch_run_now"
ACTION_WATCH_DELETE = "watch_delete"
# The modal's inputs: (block id, action id) each.
INPUT_PRESET = ("schedule_preset", "preset")
INPUT_TYPED = ("schedule_text", "typed")
INPUT_WHERE = ("where", "where")
INPUT_CHANGES = ("only_changes", "only_changes")
PRESETS = ("every day at 9:00", "every Friday at 9:00", "weekdays at 8:00")
WHERE_HERE, WHERE_DM = "here", "dm"
LIST_MAX = 20  # watches shown by /dealbot watches (a user holds 20 by default)


def _mrkdwn(text: str) -> dict:
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def _context(text: str) -> dict:
    return ContextBlock(elements=[MarkdownTextObject(text=text)]).to_dict()


def one_line(text: str, limit: int = 150) -> str:
    return escape(shorten(" ".join(text.split()), limit))


def local_time(moment: datetime | None, timezone: str) -> str:
    """A stored moment (naive UTC) as the owner reads it: "Fri May 8, 9:00 CDT"."""
    if moment is None:
        return "never"
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
    return f"{local:%a %b} {local.day}, {local.hour}:{local:%M %Z}"


def where(watch: Watch) -> str:
    if watch.target == "dm":
        return "your DMs"
    if watch.target == "thread":
        return f"a thread in <#{watch.channel_id}>"
    return f"<#{watch.channel_id}>"


# --- creating -------------------------------------------------------------------------------


def render_watch_modal(run: RunRecord, *, here: str) -> dict:
    """How often, where, and only when the answer changes; `here` names the conversation
    of the answer ("this thread", "this channel")."""
    presets = [Option(value=preset, label=preset) for preset in PRESETS]
    where_options = [
        Option(value=WHERE_HERE, label=f"Here, in {here}"),
        Option(value=WHERE_DM, label="In my DMs with dealbot"),
    ]
    changes = Option(value="yes", label="Only when the answer changes")
    blocks: list[dict | Block] = [
        _context(f"🔔 Re-run the program of run `{run.run_id}`: {one_line(run.question, 300)}"),
        InputBlock(
            block_id=INPUT_PRESET[0],
            label="How often",
            optional=True,
            element=StaticSelectElement(
                action_id=INPUT_PRESET[1], options=presets, initial_option=presets[0]
            ),
        ),
        InputBlock(
            block_id=INPUT_TYPED[0],
            label="…or in your words",
            optional=True,
            hint="Like Slack's /remind: " + ", ".join(EXAMPLES[:4]),
            element=PlainTextInputElement(
                action_id=INPUT_TYPED[1],
                placeholder="every Monday at 7pm",
                max_length=MAX_SCHEDULE_CHARS,
            ),
        ),
        InputBlock(
            block_id=INPUT_WHERE[0],
            label="Where to post",
            element=RadioButtonsElement(
                action_id=INPUT_WHERE[1], options=where_options, initial_option=where_options[0]
            ),
        ),
        InputBlock(
            block_id=INPUT_CHANGES[0],
            label="Post",
            optional=True,
            element=CheckboxesElement(
                action_id=INPUT_CHANGES[1], options=[changes], initial_options=[changes]
            ),
        ),
    ]
    view = View(
        type="modal",
        callback_id=CALLBACK_WATCH_CREATE,
        title="Watch this answer",
        submit="Watch",
        close="Cancel",
        private_metadata=json.dumps({"run_id": run.run_id}),
        blocks=blocks,
    )
    return view.to_dict()


def render_watch_created(watch: Watch) -> Message:
    text = (
        f"🔔 Watching “{one_line(watch.question)}” {watch.schedule.describe()} "
        f"({watch.timezone}), in {where(watch)}"
        + (", posting when the answer changes" if watch.only_changes else "")
        + f". First run: {local_time(watch.next_run_at, watch.timezone)}. "
        "`/dealbot watches` lists and manages your watches."
    )
    return Message(text=text, blocks=[_mrkdwn(text)])


def render_created_view(watch: Watch) -> dict:
    """The modal once the watch is made: what, when, where."""
    view = View(
        type="modal",
        title="Watching",
        close="Done",
        blocks=render_watch_created(watch).blocks,
    )
    return view.to_dict()


# --- running --------------------------------------------------------------------------------


def render_watch_post(watch: Watch, run: RunRecord) -> Message:
    """“🔔 Watch: QUESTION”, the answer as any answer shows it, and Pause / Stop."""
    header = f"🔔 *Watch:* {one_line(watch.question, 300)}"
    answer = render_answer(run).message()
    controls = ActionsBlock(
        block_id="watch_controls",
        elements=[
            ButtonElement(text="Pause", action_id=ACTION_WATCH_PAUSE, value=watch.watch_id),
            ButtonElement(
                text="Stop",
                action_id=ACTION_WATCH_DELETE,
                value=watch.watch_id,
                style="danger",
                confirm=_confirm_delete(watch),
            ),
        ],
    ).to_dict()
    blocks = [_mrkdwn(header), *answer.blocks, controls]
    return Message(text=f"🔔 Watch: {one_line(watch.question)}\n{answer.text}", blocks=blocks)


def render_paused_notice(watch: Watch, paused: Paused) -> Message:
    what = f"your watch “{watch.question}” ({watch.schedule.describe()})"
    if paused.gone:
        place = "your DMs" if watch.target == "dm" else f"#{watch.channel_id}"
        text = (
            f"I paused {what}: I can't post to {place} any more ({paused.gone}). "
            "Invite me back and resume it from `/dealbot watches`, or delete it there."
        )
    else:
        text = (
            f"I paused {what}: its program failed {paused.failures} times in a row and I "
            "couldn't repair it. Resume it from `/dealbot watches` to try again, or delete it."
        )
    return render_notice(text)


# --- managing -------------------------------------------------------------------------------


def render_watch_list(watches: Sequence[Watch]) -> Message:
    """The user's watches: question, schedule in their time, where, next run, last post, and
    Pause/Resume, Run now, Delete."""
    if not watches:
        return render_notice(
            "You have no watches. Press 🔔 Watch under an answer, or "
            "`/dealbot watch any deals on orange soda? every Friday at 9am`."
        )
    blocks = [_mrkdwn(f"*Your watches ({len(watches)})*"), *watch_entries(watches)]
    if len(watches) > LIST_MAX:  # a message holds 50 blocks: the rest after some are deleted
        blocks.append(
            _mrkdwn(f"Showing {LIST_MAX} of {len(watches)}: delete some to see the others.")
        )
    return Message(text=f"Your watches ({len(watches)})", blocks=blocks)


def watch_entries(watches: Sequence[Watch]) -> list[dict]:
    """Each watch (up to LIST_MAX) as a line and its Pause/Resume, Run now, Delete buttons."""
    return [block for watch in watches[:LIST_MAX] for block in _watch_entry(watch)]


def _watch_entry(watch: Watch) -> list[dict]:
    state = f"⏸ paused ({escape(watch.pause_reason or 'by you')})" if watch.paused else ""
    next_run = "—" if watch.paused else local_time(watch.next_run_at, watch.timezone)
    line = (
        f"*{one_line(watch.question)}*\n{watch.schedule.describe()} ({watch.timezone}) · "
        f"in {where(watch)} · next: {next_run} · "
        f"last post: {local_time(watch.last_posted_at, watch.timezone)} {state}".rstrip()
    )
    toggle = (
        ButtonElement(text="Resume", action_id=ACTION_WATCH_RESUME, value=watch.watch_id)
        if watch.paused
        else ButtonElement(text="Pause", action_id=ACTION_WATCH_PAUSE, value=watch.watch_id)
    )
    buttons = [
        toggle,
        ButtonElement(text="Run now", action_id=ACTION_WATCH_RUN_NOW, value=watch.watch_id),
        ButtonElement(
            text="Delete",
            action_id=ACTION_WATCH_DELETE,
            value=watch.watch_id,
            style="danger",
            confirm=_confirm_delete(watch),
        ),
    ]
    return [
        _mrkdwn(line),
        ActionsBlock(block_id=f"watch_{watch.watch_id}", elements=buttons).to_dict(),
    ]


def _confirm_delete(watch: Watch) -> ConfirmObject:
    return ConfirmObject(
        title="Stop this watch?",
        text=PlainTextObject(text=f"“{shorten(watch.question, 200)}” will not run again."),
        confirm="Stop it",
        deny="Keep it",
    )
