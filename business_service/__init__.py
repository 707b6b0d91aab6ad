"""The business service: users and authentication over the data service."""
