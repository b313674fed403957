"""core/process_loop.py: one long-lived event loop per process for sync callers."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.process_loop import ProcessLoop


def test_calls_share_one_loop_in_one_thread():
    # given a process loop
    process_loop = ProcessLoop("test-process-loop")

    async def where() -> tuple[asyncio.AbstractEventLoop, str]:
        return asyncio.get_running_loop(), threading.current_thread().name

    # when two sync calls run coroutines on it
    first = process_loop.run(where(), timeout=5)
    second = process_loop.run(where(), timeout=5)

    # then both ran on the same loop, in its own daemon thread
    assert first == second
    assert first[1] == "test-process-loop"
    assert first[0] is process_loop.loop()


def test_a_call_that_takes_too_long_raises_timeout_and_is_cancelled():
    # given a process loop and a coroutine that never finishes in time
    process_loop = ProcessLoop("test-process-loop-timeout")
    cancelled = threading.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    # when the caller waits less than that
    with pytest.raises(TimeoutError):
        process_loop.run(slow(), timeout=0.05)

    # then the coroutine was cancelled, and the loop still serves the next call
    assert cancelled.wait(timeout=5)

    async def answer() -> int:
        return 42

    assert process_loop.run(answer(), timeout=5) == 42
