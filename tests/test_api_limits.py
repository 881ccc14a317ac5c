"""Bounded cost: heavy requests wait for one of a few slots or get a 503;
light requests never wait; a request's cost is checked before work starts."""
import threading

import pytest

from tracker.api import create_app
from tracker.api.limits import EXTENSION, BusyError, HeavySlots

from helpers import FIXED_NOW, assert_busy_but_light_answers, assert_problem


def test_slots_refuse_when_full_and_queue_is_full():
    slots = HeavySlots(1, 0, 0.0)
    with slots.slot():
        with pytest.raises(BusyError) as info:
            with slots.slot():
                pass
    assert info.value.status == 503 and info.value.headers["Retry-After"] == "1"
    with slots.slot():               # released: usable again
        pass
    assert slots.stats()["refused"] == 1 and slots.stats()["running"] == 0


def test_waiting_request_gets_the_slot_when_it_frees():
    slots = HeavySlots(1, 1, 5.0)
    entered, release = threading.Event(), threading.Event()

    def hold():
        with slots.slot():
            entered.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    entered.wait(5)
    timer = threading.Timer(0.2, release.set)
    timer.start()
    with slots.slot():               # waits ~0.2 s, then runs
        assert slots.stats()["running"] == 1
    t.join()


def test_busy_server_answers_503_problem_but_light_requests_still_answer():
    app = create_app({"CLOCK": lambda: FIXED_NOW, "TESTING": True, "HEAVY_SLOTS": 1,
                      "HEAVY_QUEUE": 0, "HEAVY_WAIT_S": 0.0})
    client = app.test_client()
    with app.extensions[EXTENSION].slot():           # someone else's heavy computation
        assert_busy_but_light_answers(client, "/api/v1/passes?city=Paris&days=1")
        assert client.get("/iss-now.json").status_code == 200
    assert client.get("/api/v1/passes?city=Paris&days=1").status_code == 200


def test_stats_cost_is_checked_before_work(client):
    # 1960-1979 every 600 s: 1.05 million samples, seconds of CPU: refused at once
    r = client.get("/api/v1/stats?start=1960-01-01T00:00:00Z&end=1979-12-31T00:00:00Z"
                   "&step_s=600&allow_stale=true")
    body = assert_problem(r, 400, "step_s")
    assert "300,000" in body["detail"]


def test_positions_accepts_10000_timestamps_in_a_post_body(client):
    base = 1791633600
    stamps = ",".join(str(base + 6 * i) for i in range(10_000))
    r = client.post("/api/v1/iss/positions", data={"timestamps": stamps})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    body = r.get_json()
    assert body["count"] == 10_000
    same = client.get(f"/api/v1/iss/positions?timestamps={base},{base + 6}").get_json()
    assert body["positions"][:2] == same["positions"]


def test_oversized_form_body_is_413_problem(client):
    r = client.post("/api/v1/iss/positions", data={"timestamps": "1791633600," * 200_000})
    assert_problem(r, 413)
