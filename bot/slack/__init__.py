"""The Slack app: listeners grouped by surface, rendering apart from them."""
