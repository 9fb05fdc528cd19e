"""Baselines a user would otherwise pick, each ending in a plan that :func:`teacher_match.check` validates."""
