"""The claim reply is one MessagePack array of strings built by Redis's cmsgpack
(scripts/_claim.lua); ``lifecycle.unpack`` must read back exactly what was packed, at every
size where MessagePack changes its header (fixstr/str8/str16/str32, fixarray/array16)."""

from __future__ import annotations

import os

import pytest

from jobctl.lifecycle import unpack

_PACK = "return cmsgpack.pack(ARGV)"

SIZES = [0, 1, 31, 32, 255, 256, 65535, 65536, 100_000]


@pytest.mark.parametrize("size", SIZES)
def test_strings_of_every_header_size_come_back_unchanged(connection, size):
    values = [os.urandom(size), b"", b"queue", os.urandom(size // 2 + 1)]
    packed = connection.eval(_PACK, 0, *values)
    assert unpack(packed) == values


@pytest.mark.parametrize("count", [0, 1, 15, 16, 300])
def test_arrays_of_every_header_size_come_back_unchanged(connection, count):
    values = [b"%d" % i for i in range(count)]
    packed = connection.eval(_PACK, 0, *values) if count else connection.eval(
        "return cmsgpack.pack({})", 0)
    assert unpack(packed) == values


def test_an_unexpected_header_is_refused_not_misread():
    with pytest.raises(ValueError, match="unexpected claim reply"):
        unpack(b"\x91\xcc\x01")  # an array holding a number, which a claim never sends
