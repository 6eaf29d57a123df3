"""Runs untrusted, model-written Python in a restricted, isolated worker process."""
