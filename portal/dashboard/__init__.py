"""Reviewer dashboards and analyst statistics (aggregate queries, verification queue claims, bench, large seed)."""
