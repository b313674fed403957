"""Exchanges models."""
