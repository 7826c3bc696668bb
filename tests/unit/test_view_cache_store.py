"""The views' in-process cache (wellpath.data.ViewCache, cached_view, prewarm): bounded by
entries and age, no copy on a hit, one computation per key however many threads ask at once,
the viewer's scope and the file's identity in every key, cleared with Streamlit's caches;
and the query results' cache (READ_CACHE), which hands out copies."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import streamlit as st

from wellpath import data
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, Scope

PERIOD = Filters(start_date=dt.date(2026, 1, 3), end_date=dt.date(2026, 2, 17))
FILE_A, FILE_B = (1, 100, 5), (2, 200, 5)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_hit_returns_the_stored_object_itself():
    cache = data.ViewCache(max_entries=4, ttl_seconds=60)
    made = []
    first = cache.get("k", lambda: made.append(1) or {"frame": [1, 2]})
    again = cache.get("k", lambda: made.append(1) or {"frame": [9]})
    assert again is first and made == [1]
    assert cache.stats["hits"] == 1 and cache.stats["computed"] == 1


def test_entries_expire_and_the_least_recently_used_goes_first():
    clock = Clock()
    cache = data.ViewCache(max_entries=2, ttl_seconds=10, clock=clock)
    cache.get("a", lambda: "a1")
    cache.get("b", lambda: "b1")
    cache.get("a", lambda: "a2")  # a is now the most recently used
    cache.get("c", lambda: "c1")  # over the bound: b goes
    assert cache.peek("b") is None and cache.get("a", lambda: "a3") == "a1"
    clock.now = 10.5  # older than the TTL: computed again
    assert cache.get("a", lambda: "a4") == "a4"
    assert cache.live_keys() == ["a"]  # c expired too


def test_many_threads_asking_at_once_compute_once():
    cache = data.ViewCache()
    calls, started = [], threading.Event()

    def slow():
        calls.append(threading.get_ident())
        started.set()
        time.sleep(0.3)
        return object()

    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("k", slow))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and len(got) == 8 and all(g is got[0] for g in got)
    assert cache.stats["computed"] == 1 and cache.stats["waited"] + cache.stats["hits"] == 7


def test_a_waiter_computes_itself_when_the_first_computation_fails():
    cache = data.ViewCache()
    entered = threading.Event()
    release = threading.Event()

    def failing():
        entered.set()
        release.wait(5)
        raise RuntimeError("session stopped")

    errors: list[Exception] = []

    def first():
        try:
            cache.get("k", failing)
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=first)
    t.start()
    entered.wait(5)
    result: list[str] = []
    waiter = threading.Thread(target=lambda: result.append(cache.get("k", lambda: "mine")))
    waiter.start()
    time.sleep(0.1)
    release.set()
    t.join(5)
    waiter.join(5)
    assert len(errors) == 1 and result == ["mine"]
    assert cache.stats["failed"] == 1 and cache.stats["computed"] == 1


def test_the_same_key_asked_inside_its_own_computation_does_not_deadlock():
    cache = data.ViewCache()
    assert cache.get("k", lambda: ("outer", cache.get("k", lambda: "inner"))) == (
        "outer",
        "inner",
    )


def test_audit_finds_a_result_changed_after_it_was_stored():
    cache = data.ViewCache()
    cache.audit = True
    kept = cache.get("k", lambda: {"rows": [1, 2, 3]})
    cache.get("j", lambda: {"rows": [4]})
    assert cache.changed() == []
    kept["rows"].append(4)  # what a page must never do to a result it was given
    assert cache.changed() == ["k"]


# ------------------------------------------------------------- cached_view through data.py


@pytest.fixture
def views(monkeypatch):
    """Two toy views and a file identity the test controls."""
    identity = {"now": FILE_A}
    monkeypatch.setattr(data, "db_identity", lambda: identity["now"])
    monkeypatch.setattr(data, "VIEW_CACHE", data.ViewCache())
    calls: list[tuple] = []

    @data.cached_view
    def echo(scope: Scope, filters: Filters, n: int = 0) -> tuple:
        calls.append((scope, filters, n, data._current_identity()))
        return (scope, filters, n, data._current_identity())

    st.cache_data.clear()
    yield echo, calls, identity
    st.cache_data.clear()


def test_one_scopes_result_is_never_served_to_another(views):
    echo, calls, _ = views
    full = echo(FULL_ACCESS, PERIOD)
    rounded = echo(PUBLISHABLE, PERIOD)
    practice = echo(Scope(role="practice", practice_codes=("A86012",)), PERIOD)
    assert full[0] == FULL_ACCESS and rounded[0] == PUBLISHABLE and practice[0].role == "practice"
    # A rounded scope is served whole months: its key holds the whole-month filters.
    assert full[1] == PERIOD and rounded[1] == PERIOD.whole_months() != PERIOD
    assert len(calls) == 3
    assert echo(PUBLISHABLE, PERIOD) is rounded and echo(FULL_ACCESS, PERIOD) is full
    assert echo(FULL_ACCESS, PERIOD, n=1)[2] == 1 and len(calls) == 4  # choices in the key
    keys = data.VIEW_CACHE.live_keys()
    assert {k[2] for k in keys} == {FULL_ACCESS, PUBLISHABLE, practice[0]}


def test_a_new_file_is_computed_again_and_prewarm_fills_it_ahead(views):
    echo, calls, identity = views
    for _ in range(2):  # each read twice: computed, then a hit
        echo(FULL_ACCESS, PERIOD)
        echo(PUBLISHABLE, PERIOD, n=2)
    echo(FULL_ACCESS, PERIOD, n=3)  # read once only: not warmed ahead
    assert len(calls) == 3
    identity["now"] = FILE_B  # an import swapped in a new file
    assert data.prewarm(FILE_A, FILE_B) == 2
    assert [c[3] for c in calls[3:]] == [FILE_B, FILE_B]  # each computed reading the new file
    assert echo(FULL_ACCESS, PERIOD)[3] == FILE_B and echo(PUBLISHABLE, PERIOD, n=2)[3] == FILE_B
    assert len(calls) == 5  # the sessions' requests after the import were hits
    assert data.prewarm(FILE_A, FILE_B) == 0  # nothing left to do


def test_page_runs_are_idle_only_a_while_after_the_last_one_ends():
    clock = Clock()
    clock.now = 100.0
    runs = data._PageRuns(clock=clock)
    assert runs.idle()  # nothing has run yet
    with runs.running():
        assert not runs.idle()
        with runs.running():  # two sessions at once
            pass
        assert not runs.idle() and runs.in_flight == 1
    assert runs.in_flight == 0 and not runs.idle()  # just ended
    clock.now += data.PREWARM_IDLE_SECONDS
    assert runs.idle()


def _prewarm_behind_a_page_run(views, monkeypatch):
    """A view read twice under FILE_A, FILE_B landed, and a prewarm started in a thread while
    a session's page run is in flight (the caller leaves the run's `with`)."""
    echo, calls, identity = views
    monkeypatch.setattr(data, "PAGE_RUNS", data._PageRuns())
    echo(FULL_ACCESS, PERIOD)
    echo(FULL_ACCESS, PERIOD)  # read again: worth warming
    identity["now"] = FILE_B
    done: list[int] = []
    worker = threading.Thread(target=lambda: done.append(data.prewarm(FILE_A, FILE_B)))
    return calls, identity, done, worker


def test_prewarm_waits_while_a_page_is_being_drawn(views, monkeypatch):
    calls, _, done, worker = _prewarm_behind_a_page_run(views, monkeypatch)
    with data.page_run():  # a session's run in flight
        worker.start()
        time.sleep(0.4)
        assert len(calls) == 1 and not done  # nothing computed behind the page being drawn
    worker.join(timeout=5)
    assert done == [1] and calls[-1][3] == FILE_B


def test_prewarm_stops_when_a_newer_file_lands_while_it_waits(views, monkeypatch):
    calls, identity, done, worker = _prewarm_behind_a_page_run(views, monkeypatch)
    with data.page_run():
        worker.start()
        time.sleep(0.1)
        identity["now"] = (3, 300, 5)  # another import
        worker.join(timeout=5)
    assert done == [0] and len(calls) == 1


def test_a_view_reads_the_file_it_is_cached_under_even_when_an_import_lands_meanwhile(
    monkeypatch, views
):
    _, _, identity = views
    seen = []

    @data.cached_view
    def two_reads(scope: Scope, filters: Filters) -> tuple:
        seen.append(data._current_identity())
        identity["now"] = FILE_B  # the import lands between the view's two queries
        seen.append(data._current_identity())
        return tuple(seen)

    assert two_reads(FULL_ACCESS, PERIOD) == (FILE_A, FILE_A)
    assert data._current_identity() == FILE_B  # outside a view: the file there now


def test_clearing_streamlits_caches_clears_the_views(views):
    echo, calls, _ = views
    first = echo(FULL_ACCESS, PERIOD)
    st.cache_data.clear()
    assert echo(FULL_ACCESS, PERIOD) is not first and len(calls) == 2
    assert len(data.VIEW_CACHE.live_keys()) == 1  # the old epoch's entry was dropped


def test_a_connection_opened_while_the_file_is_swapped_is_refused(tmp_path, monkeypatch):
    import duckdb

    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    then = data.db.identity(path)
    path.unlink()
    duckdb.connect(str(path)).execute("create table t(x int)").close()  # the new file
    assert data.db.identity(path) != then
    with pytest.raises(data.StaleIdentity):
        data._connection.__wrapped__(str(path), then)


# ------------------------------------------------------------- query results (READ_CACHE)


def test_query_results_are_read_once_per_key_and_handed_out_as_copies(views, monkeypatch):
    import pandas as pd

    _, _, identity = views
    monkeypatch.setattr(data, "READ_CACHE", data.ViewCache())
    reads: list[tuple] = []

    def fake_read(name, scope, filters, extra, file_identity):  # noqa: ANN001
        reads.append((name, scope, extra, file_identity))
        return pd.DataFrame({"n": [1, 2, 3]})

    monkeypatch.setattr(data, "_read", fake_read)
    first = data.query("q", FULL_ACCESS, PERIOD, k=[1, 2])
    first.loc[0, "n"] = 99  # a page may change what it is given
    again = data.query("q", FULL_ACCESS, PERIOD, k=[1, 2])
    assert again["n"].tolist() == [1, 2, 3] and len(reads) == 1
    # the scope, the parameters and the file are in the key
    data.query("q", PUBLISHABLE, PERIOD, k=[1, 2])
    data.query("q", FULL_ACCESS, PERIOD, k=[1])
    identity["now"] = FILE_B
    data.query("q", FULL_ACCESS, PERIOD, k=[1, 2])
    assert [(r[1], r[2], r[3]) for r in reads[1:]] == [
        (PUBLISHABLE, (("k", (1, 2)),), FILE_A),
        (FULL_ACCESS, (("k", (1,)),), FILE_A),
        (FULL_ACCESS, (("k", (1, 2)),), FILE_B),
    ]
    # and Streamlit's "Clear caches" clears them
    st.cache_data.clear()
    data.query("q", FULL_ACCESS, PERIOD, k=[1, 2])
    assert len(reads) == 5 and len(data.READ_CACHE.live_keys()) == 1


def test_a_value_the_cache_does_not_keep_goes_to_every_waiter_and_is_computed_again():
    cache = data.ViewCache(keep=lambda value: len(value) <= 2)
    started, release, made = threading.Event(), threading.Event(), []

    def slow_big() -> list[int]:
        made.append(1)
        started.set()
        release.wait(5)
        return [1, 2, 3]

    got: list[object] = []
    first = threading.Thread(target=lambda: got.append(cache.get("big", slow_big)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: got.append(cache.get("big", slow_big)))
    second.start()
    time.sleep(0.3)  # the second asks while the first computes (almost always)
    release.set()
    first.join(5)
    second.join(5)
    assert got[0] == got[1] == [1, 2, 3]
    # a session that waited was given the value computed for the first, not a new one
    assert len(made) == 2 - cache.stats["waited"]
    assert cache.live_keys() == []  # not kept
    assert cache.get("big", lambda: [4, 5, 6]) == [4, 5, 6]  # so asked again, computed again
    small = cache.get("small", lambda: [7])
    assert cache.get("small", lambda: [8]) is small and cache.live_keys() == ["small"]
