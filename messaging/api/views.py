"""Thin views of the messaging API: validate, call one service or selector, serialize."""
