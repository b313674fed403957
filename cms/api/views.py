"""Thin views of the cms API: validate, call one service or selector, serialize."""
