"""`dealbot eval`: measures ephemeral code against function calling on a versioned question set.

Each question's expected facts come from a reference run against the current database
through the deals tools; answers are checked mechanically, never graded by a model.
"""
