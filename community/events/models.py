"""Events models."""
