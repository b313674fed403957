"""Thin views of the exchanges API: validate, call one service or selector, serialize."""
