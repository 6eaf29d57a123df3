"""Running dealbot for a team: the HTTP server, health and readiness, metrics and logs."""
