"""Every table the migrations manage: the deals domain's, the bot's, and Slack's installations."""

from __future__ import annotations

from bot.models import BotBase
from bot.slack.installations import INSTALLATION_METADATA
from bot.watches import models as _watch_tables  # noqa: F401 - registers them on BotBase
from tools.models import Base as DealsBase

target_metadata = [DealsBase.metadata, BotBase.metadata, INSTALLATION_METADATA]
