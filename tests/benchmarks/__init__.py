"""``make bench``: performance as ratios against floors measured in the same run.

Each ``bench_*.py`` module here exposes ``run(report: Report) -> None``. Figures that depend on the
machine are always paired with a floor measured moments before on the same machine (a raw SQL
statement, a bare channel-layer round trip), so the ratio means something on a noisy 2-core box.
"""
