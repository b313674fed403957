"""Thin views of the billing API: validate, call one service or selector, serialize."""
