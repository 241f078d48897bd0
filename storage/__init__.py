"""Storage: SQLAlchemy tables, the store (repositories in one unit of work), search, migrations.

SQL lives here and nowhere else; the store returns the core's dataclasses.
"""
