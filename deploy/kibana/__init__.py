"""Kibana assets for a Borderlink deployment: saved objects generated from the mappings."""
