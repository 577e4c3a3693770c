"""Helpers for the custom-derivative-rules course: jaxpr views, gradient plots, checkers."""

from .debugging import scripted_pdb as scripted_pdb
