"""The deals domain: models, queries and the tools a generated program may call."""
