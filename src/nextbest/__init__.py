"""nextbest: rank B2B accounts and leads, explain every score, suggest the next best action."""

__version__ = "0.1.0"
