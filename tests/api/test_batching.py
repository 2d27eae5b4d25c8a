"""The Batcher that gathers concurrent requests into one library call, fairly, and keeps
itself running; and ``prepare``."""

import asyncio
import gc
import threading
import time

from nlu.errors import EmbeddingModelError, Unavailable
from nlu.model.model import NLUModel
from serve.engine import Batcher, prepare

from .conftest import ADMIN_TOKEN, MODEL_VERSION


class FakeEngine:
    """Answers a text with it upper-cased (and its state); records each call's texts;
    optionally slow or failing."""

    def __init__(self, seconds=0.0, fail=False):
        self.calls, self.states, self.seconds, self.fail = [], [], seconds, fail
        self.running = threading.Event()

    def parse(self, texts, states=None):
        self.calls.append(list(texts))
        self.states.append(states)
        self.running.set()
        time.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("model broke")
        return [t.upper() for t in texts]


def run(scenario, *args, **kwargs):
    async def main():
        batcher = Batcher(*args, **kwargs)
        await batcher.start()
        try:
            return await scenario(batcher)
        finally:
            await batcher.stop()
    return asyncio.run(main())


def test_concurrent_texts_go_in_one_call_in_order():
    engine = FakeEngine()

    async def scenario(batcher):
        return await asyncio.gather(*(batcher.parse(engine, [f"t{i}"]) for i in range(5)))

    assert run(scenario, 0.05, 32) == [[f"T{i}"] for i in range(5)]
    assert engine.calls == [[f"t{i}" for i in range(5)]]


def test_a_full_batch_does_not_wait_out_the_window():
    engine = FakeEngine()

    async def scenario(batcher):
        started = time.perf_counter()
        results = await asyncio.gather(*(batcher.parse(engine, [f"t{i}"]) for i in range(4)))
        return results, time.perf_counter() - started

    results, seconds = run(scenario, 30.0, 4)  # a 30 s window, never waited out
    assert results == [["T0"], ["T1"], ["T2"], ["T3"]]
    assert engine.calls == [["t0", "t1", "t2", "t3"]]
    assert seconds < 5


def test_a_partial_batch_closes_after_the_window():
    engine = FakeEngine()

    async def scenario(batcher):
        return await asyncio.wait_for(batcher.parse(engine, ["a", "b"]), 5)

    assert run(scenario, 0.01, 32) == ["A", "B"]
    assert engine.calls == [["a", "b"]]


def test_texts_arriving_during_a_call_make_the_next_batch_up_to_max_size():
    engine = FakeEngine(seconds=0.2)

    async def scenario(batcher):
        first = asyncio.ensure_future(batcher.parse(engine, ["first"]))
        await asyncio.to_thread(engine.running.wait)  # the first call is running
        rest = [asyncio.ensure_future(batcher.parse(engine, [f"t{i}"])) for i in range(5)]
        return await first, await asyncio.gather(*rest)

    first, rest = run(scenario, 0.0, 3)
    assert first == ["FIRST"]
    assert rest == [[f"T{i}"] for i in range(5)]
    assert engine.calls == [["first"], ["t0", "t1", "t2"], ["t3", "t4"]]


def test_a_large_batch_is_split_and_a_single_message_goes_into_the_next_call():
    engine = FakeEngine(seconds=0.05)

    async def scenario(batcher):
        large = asyncio.ensure_future(batcher.parse(engine, [f"b{i}" for i in range(10)]))
        await asyncio.to_thread(engine.running.wait)  # the first part of the batch runs
        single = asyncio.ensure_future(batcher.parse(engine, ["single"]))
        return await large, await single

    large, single = run(scenario, 0.0, 4)
    assert large == [f"B{i}" for i in range(10)] and single == ["SINGLE"]
    # The single message shares the second call with the batch, one text each per round.
    assert engine.calls == [["b0", "b1", "b2", "b3"], ["b4", "b5", "b6", "single"],
                            ["b7", "b8", "b9"]]


def test_a_call_takes_at_most_max_chars_characters_and_at_least_one_text():
    engine = FakeEngine()
    texts = ["x" * 6, "y" * 6, "z" * 20, "w" * 3]

    async def scenario(batcher):
        return await batcher.parse(engine, texts)

    assert run(scenario, 0.0, 32, max_chars=12) == [t.upper() for t in texts]
    assert engine.calls == [["x" * 6, "y" * 6], ["z" * 20], ["w" * 3]]


def test_each_text_goes_with_its_conversation_state():
    engine = FakeEngine()

    async def scenario(batcher):
        return await asyncio.gather(batcher.parse(engine, ["a"], ["state of a"]),
                                    batcher.parse(engine, ["b", "c"]))

    assert run(scenario, 0.05, 32) == [["A"], ["B", "C"]]
    assert engine.states == [["state of a", None, None]]  # None: a fresh conversation


def test_an_error_reaches_every_request_of_the_batch_and_the_batcher_goes_on():
    broken, good = FakeEngine(fail=True), FakeEngine()

    async def scenario(batcher):
        failures = await asyncio.gather(
            *(batcher.parse(broken, [f"t{i}"]) for i in range(3)), return_exceptions=True)
        return failures, await batcher.parse(good, ["ok"])

    failures, after = run(scenario, 0.01, 32)
    assert [str(f) for f in failures] == ["model broke"] * 3
    assert after == ["OK"]


def test_texts_of_two_engines_are_answered_by_their_own():
    old, new = FakeEngine(), FakeEngine()

    async def scenario(batcher):  # a reload swaps one engine for the other
        return await asyncio.gather(batcher.parse(old, ["a"]), batcher.parse(new, ["b"]),
                                    batcher.parse(old, ["c"]))

    assert run(scenario, 0.05, 32) == [["A"], ["B"], ["C"]]
    assert (old.calls, new.calls) == ([["a", "c"]], [["b"]])


def test_a_cancelled_request_is_not_answered():
    engine = FakeEngine(seconds=0.1)

    async def scenario(batcher):
        first = asyncio.ensure_future(batcher.parse(engine, ["first"]))
        await asyncio.to_thread(engine.running.wait)
        gone = asyncio.ensure_future(batcher.parse(engine, ["gone"]))
        await asyncio.sleep(0)
        gone.cancel()
        return await first, await batcher.parse(engine, ["after"])

    assert run(scenario, 0.0, 32) == (["FIRST"], ["AFTER"])
    assert engine.calls == [["first"], ["after"]]


def test_a_dead_batching_task_fails_its_waiting_requests_and_is_restarted():
    engine = FakeEngine()

    async def scenario(batcher):
        batcher._compose = lambda: 1 / 0  # a bug in the loop, not in the model
        waiting = await asyncio.gather(batcher.parse(engine, ["lost"]), return_exceptions=True)
        del batcher._compose  # the class's own again
        await asyncio.sleep(0)
        return waiting, batcher.running, await batcher.parse(engine, ["after"])

    [error], running, after = run(scenario, 0.0, 32)
    assert isinstance(error, Unavailable) and "restarted" in str(error)
    assert running and after == ["AFTER"]


def test_a_batching_task_that_keeps_dying_fails_for_good():
    engine = FakeEngine()

    async def scenario(batcher):
        batcher._compose = lambda: 1 / 0
        for _ in range(3):
            await asyncio.gather(batcher.parse(engine, ["x"]), return_exceptions=True)
            await asyncio.sleep(0)
        return batcher.failure, await asyncio.gather(batcher.parse(engine, ["y"]),
                                                     return_exceptions=True)

    failure, [error] = run(scenario, 0.0, 32, max_restarts=2)
    assert "died 3 times" in failure and "ZeroDivisionError" in failure
    assert isinstance(error, Unavailable) and "has stopped" in str(error)


def test_prepare_answers_once_then_freezes_the_heap():
    engine = FakeEngine()
    gc.unfreeze()
    try:
        prepare(engine)
        assert engine.calls == [["halo"]]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_readiness_fails_when_the_batcher_has_given_up(client):
    state = client.app.state.nlu
    state.batcher.failure = "the batching task died 6 times within 60 s"
    try:
        response = client.get("/readyz")
        parse = client.post("/v1/parse", json={"text": "halo kak"})
    finally:
        state.batcher.failure = None
    assert response.status_code == 503
    assert "has stopped: the batching task died 6 times" in response.json()["model"]
    assert parse.status_code == 503


def test_a_reload_loads_on_its_own_thread_while_requests_are_answered(client, strict_model_dir,
                                                                      monkeypatch):
    """The new artifact loads (here: slowly) on another thread; meanwhile the prediction
    thread answers requests on the old model, which then gives way."""
    from nlu.assistant.engine import Engine

    load, loading = Engine.load.__func__, threading.Event()

    def slow_load(cls, *args):
        loading.set()
        time.sleep(1.5)
        return load(cls, *args)

    monkeypatch.setattr(Engine, "load", classmethod(slow_load))
    reload = {}
    thread = threading.Thread(target=lambda: reload.update(response=client.post(
        "/v1/admin/reload", json={"model_dir": str(strict_model_dir)},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})))
    thread.start()
    assert loading.wait(10)
    latencies = []
    for _ in range(5):
        started = time.perf_counter()
        assert client.post("/v1/parse", json={"text": "halo kak"}).json()["fallback"] is None
        latencies.append(time.perf_counter() - started)
    thread.join(30)
    assert reload["response"].status_code == 200, reload["response"].text
    assert max(latencies) < 1.0, latencies  # not one waited for the load
    # The strict artifact (margin 1.0) now answers: every in-scope message is ambiguous.
    assert client.post("/v1/parse", json={"text": "halo kak"}).json()["fallback"] == "ambiguous"


def test_a_reload_whose_model_cannot_predict_is_refused(client, strict_model_dir, monkeypatch):
    """An accurate artifact whose embedding model is gone loads (the encoder is loaded
    lazily) but cannot predict: ``prepare`` finds out, and the old model keeps serving."""
    def cannot(self, texts, threshold=None, margin=None):
        raise EmbeddingModelError("embedding model '/gone' not found")

    monkeypatch.setattr(NLUModel, "predict", cannot)
    response = client.post("/v1/admin/reload", json={"model_dir": str(strict_model_dir)},
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    assert response.status_code == 409
    assert "/gone" in response.json()["detail"]
    monkeypatch.undo()
    assert client.get("/v1/model").json()["version"] == MODEL_VERSION
    assert client.post("/v1/parse", json={"text": "halo kak"}).status_code == 200

