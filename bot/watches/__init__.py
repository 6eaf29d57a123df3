"""Watches: a proven program re-run on a schedule with fresh data and no model call, posting
only when its answer changed. Knows nothing of Slack's wire format: a Poster delivers."""
