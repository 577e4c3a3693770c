"""Helpers for the custom-derivative-rules course: jaxpr views, gradient plots, checkers."""
