"""Turning plain data into tables, JSON, CSV and reports; no database access."""
