"""Every table the migrations manage: the deals domain's, the bot's, and Slack's installations."""

from __future__ import annotations

from bot.slack.installations import INSTALLATION_METADATA
from bot.tables import BotBase
from bot.watches import tables as _watch_tables  # noqa: F401 - registers them on BotBase
from tools.tables import Base as DealsBase

target_metadata = [DealsBase.metadata, BotBase.metadata, INSTALLATION_METADATA]
