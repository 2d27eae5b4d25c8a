"""The Batcher that gathers concurrent requests into one model call, and ``prepare``."""

import asyncio
import gc
import threading
import time
from types import SimpleNamespace

import pytest

from nlu.errors import EmbeddingModelError
from nlu.model.model import NLUModel
from serve.engine import Batcher, prepare

from .conftest import ADMIN_TOKEN, MODEL_VERSION


class FakeModel:
    """Upper-cases texts; records each call's texts; optionally slow or failing."""

    def __init__(self, seconds=0.0, fail=False):
        self.calls, self.seconds, self.fail = [], seconds, fail
        self.running = threading.Event()

    def predict(self, texts):
        self.calls.append(list(texts))
        self.running.set()
        time.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("model broke")
        return [t.upper() for t in texts]


def engine(model):
    return SimpleNamespace(model=model)


def run(coroutine_function, *args):
    async def main():
        batcher = Batcher(*args)
        await batcher.start()
        try:
            return await coroutine_function(batcher)
        finally:
            await batcher.stop()
    return asyncio.run(main())


def test_concurrent_texts_go_in_one_call_in_order():
    model = FakeModel()

    async def scenario(batcher):
        e = engine(model)
        return await asyncio.gather(*(batcher.predict(e, [f"t{i}"]) for i in range(5)))

    assert run(scenario, 0.05, 32) == [[f"T{i}"] for i in range(5)]
    assert model.calls == [[f"t{i}" for i in range(5)]]


def test_a_full_batch_does_not_wait_out_the_window():
    model = FakeModel()

    async def scenario(batcher):
        e = engine(model)
        started = time.perf_counter()
        results = await asyncio.gather(*(batcher.predict(e, [f"t{i}"]) for i in range(4)))
        return results, time.perf_counter() - started

    results, seconds = run(scenario, 30.0, 4)  # a 30 s window, never waited out
    assert results == [["T0"], ["T1"], ["T2"], ["T3"]]
    assert model.calls == [["t0", "t1", "t2", "t3"]]
    assert seconds < 5


def test_a_partial_batch_closes_after_the_window():
    model = FakeModel()

    async def scenario(batcher):
        return await asyncio.wait_for(batcher.predict(engine(model), ["a", "b"]), 5)

    assert run(scenario, 0.01, 32) == ["A", "B"]
    assert model.calls == [["a", "b"]]


def test_texts_arriving_during_a_call_make_the_next_batch_up_to_max_size():
    model = FakeModel(seconds=0.2)

    async def scenario(batcher):
        e = engine(model)
        first = asyncio.ensure_future(batcher.predict(e, ["first"]))
        await asyncio.to_thread(model.running.wait)  # the first call is running
        rest = [asyncio.ensure_future(batcher.predict(e, [f"t{i}"])) for i in range(5)]
        return await first, await asyncio.gather(*rest)

    first, rest = run(scenario, 0.0, 3)
    assert first == ["FIRST"]
    assert rest == [[f"T{i}"] for i in range(5)]
    assert model.calls == [["first"], ["t0", "t1", "t2"], ["t3", "t4"]]


def test_an_error_reaches_every_request_of_the_batch_and_the_batcher_goes_on():
    broken, good = FakeModel(fail=True), FakeModel()

    async def scenario(batcher):
        failures = await asyncio.gather(
            *(batcher.predict(engine(broken), [f"t{i}"]) for i in range(3)),
            return_exceptions=True)
        return failures, await batcher.predict(engine(good), ["ok"])

    failures, after = run(scenario, 0.01, 32)
    assert [str(f) for f in failures] == ["model broke"] * 3
    assert after == ["OK"]


def test_texts_of_two_engines_are_predicted_by_their_own():
    old, new = FakeModel(), FakeModel()

    async def scenario(batcher):
        before, after = engine(old), engine(new)  # a reload swaps one for the other
        return await asyncio.gather(batcher.predict(before, ["a"]),
                                    batcher.predict(after, ["b"]),
                                    batcher.predict(before, ["c"]))

    assert run(scenario, 0.05, 32) == [["A"], ["B"], ["C"]]
    assert (old.calls, new.calls) == ([["a", "c"]], [["b"]])


@pytest.mark.parametrize("collect", [False, True])
def test_prepare_predicts_once_then_freezes_the_heap(collect):
    model = FakeModel()
    gc.unfreeze()
    try:
        prepare(engine(model), collect)
        assert model.calls == [["halo"]]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


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
