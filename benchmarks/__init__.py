"""Benchmarks: jobctl against rq, huey and dramatiq (``make bench``); not part of the tests."""
