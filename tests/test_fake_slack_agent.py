"""The fake Slack's agent methods answer the real slack_sdk client as Slack does, errors included:
streams, statuses, suggested prompts, Home tabs, file uploads, permalinks, the newer blocks."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from tests.fakes.slack_api import CHANNEL_ID, DM_CHANNEL_ID, TEAM_ID, USER_ID, FakeSlack, new_ts
from tests.fakes.slack_blocks import DATA_TABLE_CHARS


@pytest.fixture
def slack():
    with FakeSlack() as fake:
        yield fake


def _error(call) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response["error"]


def _stream(slack, channel=CHANNEL_ID, **options):
    client = slack.client()
    return client.chat_stream(
        channel=channel,
        thread_ts=new_ts(),
        recipient_team_id=TEAM_ID,
        recipient_user_id=USER_ID,
        **options,
    )


TASK = {"type": "task_update", "id": "run", "title": "Running", "status": "in_progress"}


def test_a_stream_shows_its_tasks_and_text_and_ends_with_its_blocks(slack):
    stream = _stream(slack)

    stream.append(chunks=[TASK])
    stream.append(chunks=[TASK | {"status": "complete", "title": "Ran it"}])
    stream.append(markdown_text="**Fanta** is $1.99")
    stream.stop(blocks=[{"type": "context", "elements": [{"type": "mrkdwn", "text": "run x"}]}])

    message = slack.message(CHANNEL_ID, stream.ts)
    assert message["text"] == "**Fanta** is $1.99"
    assert message["tasks"] == [{"id": "run", "title": "Ran it", "status": "complete"}]
    assert message["blocks"][0]["type"] == "context"
    assert not slack.streaming(CHANNEL_ID, stream.ts)
    # Short text waits in the client's buffer and goes out with the stop.
    assert [c.method for c in slack.calls if c.method.endswith("Stream")] == [
        "chat.startStream",
        "chat.appendStream",
        "chat.stopStream",
    ]


def test_streaming_in_a_channel_needs_its_reader(slack):
    client = slack.client()

    error = _error(lambda: client.chat_startStream(channel=CHANNEL_ID, thread_ts=new_ts()))

    assert error == "missing_recipient_user_id"
    client.chat_startStream(channel=DM_CHANNEL_ID, thread_ts=new_ts())  # a DM needs none


def test_a_stopped_stream_takes_no_more(slack):
    stream = _stream(slack)
    stream.append(chunks=[TASK])
    stream.stop()
    client = slack.client()

    error = _error(
        lambda: client.chat_appendStream(channel=CHANNEL_ID, ts=stream.ts, chunks=[TASK])
    )

    assert error == "message_not_in_streaming_state"


def test_a_stop_with_a_refused_block_leaves_the_stream_open_for_another_try(slack):
    stream = _stream(slack)
    stream.append(chunks=[TASK])
    bad = [
        {
            "type": "container",
            "title": {"type": "plain_text", "text": "Program"},
            "child_blocks": [{"type": "rich_text", "elements": []}],
        }
    ]

    assert _error(lambda: stream.stop(blocks=bad)) == "invalid_blocks"
    assert slack.streaming(CHANNEL_ID, stream.ts)
    stream.stop(blocks=[{"type": "divider"}])
    assert not slack.streaming(CHANNEL_ID, stream.ts)


def test_a_bad_task_chunk_is_refused(slack):
    bad = TASK | {"status": "thinking"}

    assert _error(lambda: _stream(slack).append(chunks=[bad])) == "invalid_arguments"


def test_a_workspace_can_refuse_a_method_for_good(slack):
    slack.refuse("chat.startStream", "access_denied")

    for _ in range(2):
        assert _error(lambda: _stream(slack).append(chunks=[TASK])) == "access_denied"


def test_a_status_shows_until_the_app_posts_in_the_thread(slack):
    client = slack.client()
    thread = new_ts()

    client.assistant_threads_setStatus(
        channel_id=CHANNEL_ID, thread_ts=thread, status="is working…", loading_messages=["a", "b"]
    )
    assert slack.status(CHANNEL_ID, thread) == "is working…"
    client.chat_postMessage(channel=CHANNEL_ID, thread_ts=thread, text="answer")
    assert slack.status(CHANNEL_ID, thread) is None


def test_more_than_ten_loading_messages_are_refused(slack):
    client = slack.client()

    error = _error(
        lambda: client.assistant_threads_setStatus(
            channel_id=CHANNEL_ID, thread_ts=new_ts(), status="x", loading_messages=["m"] * 11
        )
    )

    assert error == "invalid_arguments"


def test_suggested_prompts_are_set_without_thread_ts_and_silently_ignored_with_it(slack):
    client = slack.client()
    prompts = [{"title": "Soda", "message": "Any soda deals?"}]

    client.assistant_threads_setSuggestedPrompts(
        channel_id=DM_CHANNEL_ID, thread_ts=new_ts(), prompts=prompts
    )
    assert slack.suggested_prompts(DM_CHANNEL_ID) is None
    client.assistant_threads_setSuggestedPrompts(
        channel_id=DM_CHANNEL_ID, prompts=prompts, title="Try"
    )
    assert slack.suggested_prompts(DM_CHANNEL_ID) == {"title": "Try", "prompts": prompts}


def test_more_than_four_suggested_prompts_are_refused(slack):
    client = slack.client()
    prompts = [{"title": str(n), "message": str(n)} for n in range(5)]

    error = _error(
        lambda: client.assistant_threads_setSuggestedPrompts(
            channel_id=DM_CHANNEL_ID, prompts=prompts
        )
    )

    assert error == "invalid_arguments"


def test_a_home_tab_is_published_per_user_and_its_blocks_checked(slack):
    client = slack.client()
    view = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }

    client.views_publish(user_id=USER_ID, view=view)

    assert slack.home_view(USER_ID)["blocks"] == view["blocks"]
    bad = {"type": "home", "blocks": [{"type": "no_such_block"}]}
    assert _error(lambda: client.views_publish(user_id=USER_ID, view=bad)) == "invalid_blocks"


def test_a_file_is_uploaded_in_three_steps_and_shared_in_the_thread(slack):
    client = slack.client()
    thread = new_ts()

    client.files_upload_v2(
        content=b"\x89PNG fake",
        filename="chart.png",
        title="Prices",
        channel=CHANNEL_ID,
        thread_ts=thread,
        alt_txt="a chart",
    )

    [upload] = slack.uploads()
    assert upload["content"] == b"\x89PNG fake" and upload["title"] == "Prices"
    assert upload["thread_ts"] == thread and upload["alt_txt"] == "a chart"
    assert slack.messages(CHANNEL_ID)[-1]["files"][0]["id"] == upload["id"]


def test_an_upload_without_files_write_is_refused():
    with FakeSlack(scopes=["chat:write"]) as slack:
        error = _error(
            lambda: slack.client().files_upload_v2(content="x", filename="a.py", channel=CHANNEL_ID)
        )

    assert error == "missing_scope"


def test_a_permalink_points_at_the_message_in_its_thread(slack):
    client = slack.client()
    root = client.chat_postMessage(channel=CHANNEL_ID, text="q")["ts"]
    reply = client.chat_postMessage(channel=CHANNEL_ID, thread_ts=root, text="a")["ts"]

    link = client.chat_getPermalink(channel=CHANNEL_ID, message_ts=reply)["permalink"]

    assert link.endswith(
        f"/archives/{CHANNEL_ID}/p{reply.replace('.', '')}?thread_ts={root}&cid={CHANNEL_ID}"
    )


def _table(rows: int, text: str = "x") -> dict:
    header = [{"type": "raw_text", "text": "name"}, {"type": "raw_text", "text": "price"}]
    row = [
        {"type": "raw_text", "text": text},
        {"type": "raw_number", "value": 1.5, "text": "$1.50"},
    ]
    return {
        "type": "data_table",
        "caption": "Deals",
        "page_size": 10,
        "rows": [header] + [row] * rows,
    }


def _chart(points: int = 3, series: int = 1, title: str = "Prices") -> dict:
    labels = [f"w{n}" for n in range(points)]
    return {
        "type": "data_visualization",
        "title": title,
        "chart": {
            "type": "line",
            "axis_config": {"categories": labels, "y_label": "$"},
            "series": [
                {"name": f"s{s}", "data": [{"label": x, "value": 1.0} for x in labels]}
                for s in range(series)
            ],
        },
    }


@pytest.mark.parametrize(
    ("blocks", "accepted"),
    [
        ([_table(100)], True),
        ([_table(101)], False),
        ([_table(0)], False),
        ([_table(2, text="")], False),
        ([_table(3, text="x" * (DATA_TABLE_CHARS // 3))], False),
        ([_chart()], True),
        ([_chart(points=21)], False),
        ([_chart(series=7)], False),
        ([_chart(title="t" * 51)], False),
        ([_chart(), _chart(), _chart()], False),
        (
            [{"type": "markdown", "text": "x" * 7000}, {"type": "markdown", "text": "y" * 7000}],
            False,
        ),
    ],
    ids=[
        "table-100-rows",
        "table-101-rows",
        "table-header-only",
        "table-empty-cell",
        "table-too-many-characters",
        "chart",
        "chart-21-points",
        "chart-7-series",
        "chart-long-title",
        "three-charts",
        "markdown-over-12000",
    ],
)
def test_the_newer_blocks_are_held_to_slacks_limits(slack, blocks, accepted):
    client = slack.client()

    def post():
        return client.chat_postMessage(channel=CHANNEL_ID, text="t", blocks=blocks)

    if accepted:
        post()
    else:
        assert _error(post) == "invalid_blocks"


def test_a_block_type_the_validator_refuses_is_invalid_blocks(slack):
    slack.refuse_blocks("data_table")

    error = _error(
        lambda: slack.client().chat_postMessage(channel=CHANNEL_ID, text="t", blocks=[_table(1)])
    )

    assert error == "invalid_blocks"
