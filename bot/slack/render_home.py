"""The agent surface's own words, as Block Kit: suggested prompts, the first-time greeting,
and the App Home tab (the user's recent questions and how to ask). Pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.records import RunRecord
from bot.slack.render import ACTION_VIEW_CODE, EXAMPLES, Message
from bot.slack.text import escape, shorten, slack_date, to_mrkdwn
from bot.slack.watch_render import watch_entries
from bot.watches.store import Watch

# What the demo data answers well (QUESTIONS.md), one of each kind: a list, a per-unit
# comparison, a table, a chart. Slack shows at most four; app_manifest.yml lists the same.
SUGGESTED_PROMPTS: tuple[dict[str, str], ...] = (
    {"title": "Orange soda this weekend", "message": "Any deals on orange soda this weekend?"},
    {
        "title": "Cheapest cereal per ounce",
        "message": "What's the cheapest cereal on sale right now, per ounce?",
    },
    {
        "title": "Chips deals at every store",
        "message": "Show me every chips deal at every store tomorrow.",
    },
    {
        "title": "Tide Pods' price lately",
        "message": "How has the price of Tide Pods changed over the last six months?",
    },
)
PROMPTS_TITLE = "Try asking"
HOME_BLOCKS = 100  # Slack's most per view
HOME_RUNS = 8
HOW_TO_ASK = (
    "*Ask me about store deals* — sales, BOGO, multi-buys, coupons, member prices. "
    "Message me here, mention `@dealbot` in a channel, or use `/dealbot ask …`. "
    "I write a short program against the deals database and show it under each answer; "
    "reply in the answer's thread to follow up."
)


def render_greeting(user_id: str) -> Message:
    """Said once to someone opening dealbot's DM for the first time."""
    examples = "\n".join(f"• {prompt['message']}" for prompt in SUGGESTED_PROMPTS)
    text = (
        f":wave: Hi <@{user_id}>! I'm dealbot: ask me anything about the deals in your "
        "stores and I'll work it out with a short program you can look at.\n\n"
        f"*For example:*\n{examples}"
    )
    return Message(text="Hi! Ask me about store deals.", blocks=[_section(text)])


def render_home(
    runs: Sequence[RunRecord], links: Mapping[str, str], watches: Sequence[Watch] = ()
) -> dict:
    """The Home tab: how to ask, the user's recent questions, each with its answer's first
    line, when (in their time) and a link to the answer, then their watches."""
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "dealbot"}},
        _section(HOW_TO_ASK),
        {"type": "divider"},
        _section("*Your recent questions*"),
    ]
    if runs:
        blocks += [_run_block(run, links.get(run.run_id)) for run in runs[:HOME_RUNS]]
    else:
        examples = "\n".join(f"• {example}" for example in EXAMPLES)
        blocks.append(_section(f"Nothing yet. Try one of these:\n{examples}"))
    if watches:
        blocks += [{"type": "divider"}, _section(f"*Your watches ({len(watches)})*")]
        blocks += watch_entries(watches)
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}


def render_home_plain() -> dict:
    """The Home tab in one plain section, for when Slack refuses the full one."""
    return {"type": "home", "blocks": [_section(HOW_TO_ASK)]}


def _run_block(run: RunRecord, link: str | None) -> dict:
    question = escape(shorten(" ".join(run.question.split()), 150))
    said = run.answer if run.ok else run.error or "No answer yet."
    first_line = next((line for line in (said or "").splitlines() if line.strip()), "")
    lines = [f"*{question}*", to_mrkdwn(shorten(first_line.strip(), 200))]
    when = slack_date(run.created_at)
    lines.append(f"{when} · <{link}|Open the answer>" if link else when)
    block = _section("\n".join(line for line in lines if line))
    if run.code:
        block["accessory"] = {
            "type": "button",
            "text": {"type": "plain_text", "text": "View code"},
            "action_id": ACTION_VIEW_CODE,
            "value": run.run_id,
        }
    return block


def _section(mrkdwn: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}
