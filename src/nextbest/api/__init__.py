"""The edges: the command line (and later the HTTP API and the Slack bot)."""
