"""Serving the engine: getting it ready for traffic, and the batcher that gathers
concurrent requests into one model call."""

import asyncio
import gc
import time
from concurrent.futures import ThreadPoolExecutor


def prepare(engine, collect=False):
    """Make a loaded engine ready for traffic, before it serves.

    One prediction loads what the model loads lazily (the sentence encoder of the accurate
    profile). Then every object alive is moved out of the garbage collector's reach
    (``gc.freeze``): its full passes would otherwise walk the model's hundreds of thousands
    of objects, 60 ms (fast) to 200 ms (accurate) with the event loop stopped, the tail of
    the latency under load. ``collect`` first unfreezes and collects, for a reload, so that
    cyclic garbage of the model it replaces is not kept frozen.
    """
    engine.model.predict(["halo"])
    if collect:
        gc.unfreeze()
        gc.collect()
    gc.freeze()


async def cancel(task):
    """Cancel a background task (None: nothing to do) and wait until it has stopped."""
    if task is None:
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


class Batcher:
    """Gather texts submitted concurrently into batches for one ``model.predict`` call.

    A batch closes when it has ``max_size`` texts or ``window`` seconds after its first
    text arrived. Prediction runs on one worker thread, off the event loop. Each text is
    predicted by the engine it was submitted with, so requests in flight during a reload
    finish on the old model.
    """

    def __init__(self, window, max_size, on_batch=None):
        self.window = window
        self.max_size = max_size
        self.on_batch = on_batch
        self._queue = None
        self._task = None
        self._wake = None  # set while a batch waits for its window
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="predict")

    async def start(self):
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run())

    async def stop(self):
        await cancel(self._task)
        self._executor.shutdown(wait=True)

    async def predict(self, engine, texts):
        """Predictions for ``texts`` (a list), in order."""
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in texts]
        for text, future in zip(texts, futures):
            self._queue.put_nowait((engine, text, future))
        wake = self._wake
        if wake is not None and not wake.done() and self._queue.qsize() >= self.max_size - 1:
            wake.set_result(None)  # the batch is full: no need to wait out the window
        if len(futures) == 1:  # the common case: no gather() wrapper
            return [await futures[0]]
        return list(await asyncio.gather(*futures))

    async def run_in_worker(self, function, *args):
        """Run CPU-bound work (loading a model) on the prediction thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def _run(self):
        queue, loop = self._queue, asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            # Texts that came in during the previous model call are taken at once; a batch
            # not full yet waits for the window or until it fills (one timer, not a
            # wait_for() per text), then takes whatever arrived meanwhile.
            if self.window > 0 and queue.qsize() < self.max_size - 1:
                self._wake = wake = loop.create_future()
                timer = loop.call_later(self.window, _wake_up, wake)
                try:
                    await wake
                finally:
                    timer.cancel()
                    self._wake = None
            while len(batch) < self.max_size and not queue.empty():
                batch.append(queue.get_nowait())
            await self._predict(batch)

    async def _predict(self, batch):
        groups = {}
        for item in batch:
            groups.setdefault(id(item[0]), []).append(item)
        for items in groups.values():
            engine = items[0][0]
            texts = [text for _, text, _ in items]
            started = time.perf_counter()
            try:
                results = await asyncio.get_running_loop().run_in_executor(
                    self._executor, engine.model.predict, texts)
            except Exception as exc:  # handed to the waiting requests, never lost
                for _, _, future in items:
                    if not future.done():
                        future.set_exception(exc)
                continue
            if self.on_batch is not None:
                self.on_batch(len(texts), time.perf_counter() - started)
            for (_, _, future), result in zip(items, results):
                if not future.done():
                    future.set_result(result)


def _wake_up(future):
    if not future.done():
        future.set_result(None)
