"""The data service: the only code that touches PostgreSQL."""
