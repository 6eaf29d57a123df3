"""Every table the migrations manage: the deals domain's, the bot's, and Slack's installations."""

from __future__ import annotations

from bot.models import BotBase
from bot.slack.installations import INSTALLATION_METADATA
from tools.models import Base as DealsBase

target_metadata = [DealsBase.metadata, BotBase.metadata, INSTALLATION_METADATA]
