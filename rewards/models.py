"""Rewards models."""
