"""crm: a local-first customer relationship manager for the terminal."""

__version__ = "0.1.0"
