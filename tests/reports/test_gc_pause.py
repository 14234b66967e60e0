"""The cyclic garbage collector is paused while a report or a model is built, and comes back
after."""

from __future__ import annotations

import gc
import threading

import pytest

from app.engine.gcpause import cyclic_gc_paused


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_paused_inside_and_back_after_even_on_errors():
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("the build failed")
    assert gc.isenabled()


def test_nested_and_overlapping_builds_resume_it_once_the_last_ends():
    with cyclic_gc_paused():
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer build still runs
    assert gc.isenabled()

    inside, release = threading.Event(), threading.Event()

    def other_build():
        with cyclic_gc_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other_build)
    thread.start()
    inside.wait(5)
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()  # the other thread's build is not finished
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_process_stays_off():
    gc.disable()
    with cyclic_gc_paused():
        pass
    assert not gc.isenabled()


def test_build_report_leaves_the_collector_on(report_ctx, scenario_ids):
    from reports.builder import ReportRequest, build_report

    built = build_report(ReportRequest(scenario_id=scenario_ids[0], sections=[]))
    assert built.pdf.startswith(b"%PDF")
    assert gc.isenabled()
