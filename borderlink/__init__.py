"""Borderlink's shared core: connection settings, logging and the command line."""
