"""Pilot reports: the report that ends each pilot round, written before its outcome is decided."""
