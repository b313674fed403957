"""Thin views of the accounts API: validate, call one service or selector, serialize."""
