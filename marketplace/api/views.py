"""Thin views of the marketplace API: validate, call one service or selector, serialize."""
