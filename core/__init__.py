"""What every app shares and that speaks no HTTP: domain errors, the text rule, the image pipeline.

Nothing here imports another app of ours or DRF (docs/architecture.md).
"""
