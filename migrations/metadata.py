"""Every table the migrations manage: the deals domain's and the bot's."""

from __future__ import annotations

from bot.models import BotBase
from tools.models import Base as DealsBase

target_metadata = [DealsBase.metadata, BotBase.metadata]
