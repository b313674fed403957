"""Thin views of the rewards API: validate, call one service or selector, serialize."""
