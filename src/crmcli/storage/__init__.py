"""The only package with SQL. Everything above it calls named functions defined here."""
