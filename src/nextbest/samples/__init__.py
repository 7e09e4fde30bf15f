"""Realistic sample data: the five contract tables, a content library and the hidden truth."""
