"""Thin views of the community API: validate, call one service or selector, serialize."""
