"""The schema version this code expects, kept apart from `migrations` so that checking it
costs nothing: `migrations` imports sqlite-utils (~40 ms), needed only when behind.

A test asserts that this number equals the count of registered migrations.
"""

SCHEMA_VERSION = 9
