"""Shared records, errors, registries and the external-program wrapper.

Every stage (ingest → extract → verify → reports) may import from here; nothing here imports a stage.
"""
