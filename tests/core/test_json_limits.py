"""core.json_limits: size and depth are measured before parsing, never by recursion."""

import sys

import pytest

from core.json_limits import JSONRejected, json_depth, json_loads_bounded


@pytest.mark.parametrize(
    ("raw", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'"[[[[" ', 0),  # brackets inside a string do not count
        (b'["a\\"[[[", [1]]', 2),  # nor after an escaped quote
        (b'["\\\\", [[1]]]', 3),  # an escaped backslash ends the escape
        (b"]]]", 0),
    ],
)
def test_json_depth(raw, depth):
    assert json_depth(raw) == depth


def test_depth_of_a_body_deeper_than_the_recursion_limit_is_measured():
    deep = b"[" * (sys.getrecursionlimit() * 10) + b"]" * (sys.getrecursionlimit() * 10)

    assert json_depth(deep) == sys.getrecursionlimit() * 10


def test_loads_within_bounds():
    assert json_loads_bounded(b'{"a": [1, 2]}', max_depth=2, max_bytes=100) == {"a": [1, 2]}
    assert json_loads_bounded('{"ا": "ب"}', max_depth=1, max_bytes=100) == {"ا": "ب"}


@pytest.mark.parametrize(
    ("raw", "reason", "message"),
    [
        (
            b"[" * 5000 + b"]" * 5000,
            "too_deep",
            "JSON nested more than 64 levels deep is not accepted.",
        ),
        (b'"' + b"x" * 20_000 + b'"', "too_large", "The request body is too large."),
        (b'{"a": ', "malformed", "JSON parse error."),
        (b"\xff\xfe", "malformed", "JSON parse error."),
        (b'{"a": NaN}', "malformed", "JSON parse error."),
        (b"[Infinity]", "malformed", "JSON parse error."),
    ],
)
def test_refusals_carry_a_reason_and_no_internals(raw, reason, message):
    with pytest.raises(JSONRejected) as caught:
        json_loads_bounded(raw, max_depth=64, max_bytes=20_000)

    assert caught.value.reason == reason
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)
