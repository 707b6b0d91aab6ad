"""HTTP routes of the data service: parse with the generated models, call one service function."""
