"""Compose deployment helpers that run inside the Borderlink image (see compose.yaml)."""
