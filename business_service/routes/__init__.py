"""HTTP routes: parse with the generated models, call one service function, return a model."""
