"""The schema (typed SQLAlchemy models), the engine and the migrations."""
