"""Metadata: load app folders, validate them, and hold the immutable model."""
