"""Serving the engine: getting it ready for traffic, and the batcher that gathers
concurrent requests into one library call on a worker thread, fairly, and keeps itself
running."""

import asyncio
import gc
import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from nlu.assistant.engine import Engine
from nlu.errors import Unavailable

log = logging.getLogger("nlu.serve")


def prepare(engine):
    """Make a loaded engine ready for traffic, before it serves.

    One answer loads what the model loads lazily (the sentence encoder of the accurate
    profile). Then every object alive is moved out of the garbage collector's reach
    (``gc.freeze``): its full passes would otherwise walk the model's hundreds of thousands
    of objects, 60 ms (fast) to 200 ms (accurate) with the event loop stopped, the tail of
    the latency under load. On a reload nothing is collected first: a full collection
    would stop traffic as long; the replaced model has no reference cycles and is freed by
    reference counting once its last request is answered.
    """
    engine.parse(["halo"])
    gc.freeze()


def load_engine(model_dir, domain_dir):
    """Load an artifact and :func:`prepare` it (for a reload: an embedding model that is
    gone is refused here, not on the next request)."""
    engine = Engine.load(model_dir, domain_dir)
    prepare(engine)
    return engine


async def cancel(task):
    """Cancel a background task and wait until it has stopped (nothing to do for None or a
    task that has ended already: its end was handled where it happened)."""
    if task is None or task.done():
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass


class _Job:
    """The texts of one request, answered as they come back from the engine."""

    __slots__ = ("engine", "texts", "states", "answers", "done", "future")

    def __init__(self, engine, texts, states, future):
        self.engine, self.texts, self.states, self.future = engine, texts, states, future
        self.answers = []
        self.done = 0  # texts answered, or taken into the call under way

    @property
    def remaining(self):
        return len(self.texts) - self.done


class Batcher:
    """Gather texts submitted concurrently into batches for one ``engine.parse`` call.

    A batch closes when it has ``max_size`` texts or ``max_chars`` characters, or
    ``window`` seconds after its first text arrived. The call runs on one worker thread,
    off the event loop. Each text is answered by the engine it was submitted with, so
    requests in flight during a reload finish on the old model.

    Fair use: a call takes texts from every waiting request in turn, one text each per
    round, so a large batch request is split over several calls and a single message
    that arrives meanwhile goes into the next call, not behind the whole batch.

    Supervision: if the batching task dies (a bug, not a model error: those go to the
    requests of the call), every waiting request gets :class:`~nlu.errors.Unavailable`
    and the task is restarted, up to ``max_restarts`` times in ``restart_window``
    seconds; past that :attr:`failure` says why and readiness fails.
    """

    def __init__(self, window, max_size, max_chars=None, on_batch=None, max_restarts=5,
                 restart_window=60.0):
        self.window = window
        self.max_size = max_size
        self.max_chars = max_chars
        self.on_batch = on_batch
        self.max_restarts = max_restarts
        self.restart_window = restart_window
        self.failure = None  # why the batcher gave up, once it has
        self._jobs = deque()
        self._pending = 0  # texts waiting, not yet taken into a call
        self._task = None
        self._wake = None  # set while the loop waits for texts or for its window
        self._windowed = False  # the wait is a batch's window: only a full batch ends it
        self._restarts = deque()
        self._stopping = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="predict")

    async def start(self):
        self._stopping = False
        self._spawn()

    async def stop(self):
        self._stopping = True
        await cancel(self._task)
        self._fail_all(Unavailable("the server is shutting down"))
        self._executor.shutdown(wait=True)

    @property
    def running(self):
        """Whether the batching task is alive."""
        return self._task is not None and not self._task.done()

    async def parse(self, engine, texts, states=None):
        """The engine's answers for ``texts`` (a list), in order; ``states`` holds each
        text's conversation state (None: fresh conversations)."""
        if self.failure is not None:
            raise Unavailable(f"the prediction worker has stopped: {self.failure}")
        future = asyncio.get_running_loop().create_future()
        self._jobs.append(_Job(engine, list(texts), states, future))
        self._pending += len(texts)
        wake = self._wake
        if wake is not None and not wake.done() and (not self._windowed or self._full()):
            wake.set_result(None)  # idle, or the batch is full: no need to wait out the window
        return await future

    def _full(self):
        return self._pending >= self.max_size

    def _spawn(self):
        self._task = asyncio.create_task(self._run())
        self._task.add_done_callback(self._exited)

    def _exited(self, task):
        if self._stopping:
            return
        error = task.exception() if not task.cancelled() else asyncio.CancelledError()
        log.error("the batching task died (%r); failing the waiting requests",
                  error, exc_info=error if not task.cancelled() else None)
        self._fail_all(Unavailable("the prediction worker restarted; retry the request"))
        now = time.monotonic()
        while self._restarts and now - self._restarts[0] > self.restart_window:
            self._restarts.popleft()
        if len(self._restarts) >= self.max_restarts:
            self.failure = (f"the batching task died {len(self._restarts) + 1} times within "
                            f"{self.restart_window:g} s (last: {error!r})")
            log.error("not restarting the batching task: %s", self.failure)
            return
        self._restarts.append(now)
        self._spawn()

    def _fail_all(self, error):
        for job in self._jobs:
            if not job.future.done():
                job.future.set_exception(error)
        self._jobs.clear()
        self._pending = 0

    async def _run(self):
        while True:
            if not self._pending:
                await self._wait(windowed=False)
            # Texts that came in during the previous call are taken at once; a batch not
            # full yet waits for the window or until it fills (one timer, not a wait_for()
            # per text), then takes whatever arrived meanwhile.
            if self.window > 0 and not self._full():
                await self._wait(windowed=True)
            engine, parts = self._compose()
            if parts:
                await self._call(engine, parts)

    async def _wait(self, windowed):
        loop = asyncio.get_running_loop()
        self._wake, self._windowed = wake, _ = loop.create_future(), windowed
        timer = loop.call_later(self.window, _wake_up, wake) if windowed else None
        try:
            await wake
        finally:
            self._wake = None
            if timer is not None:
                timer.cancel()

    def _compose(self):
        """Take the next call's texts: ``(engine, [(job, start, stop)])``.

        Round-robin over the waiting requests of the oldest request's engine, one text
        each per round, until ``max_size`` texts or ``max_chars`` characters (a call
        always takes at least one text). Requests that gave texts go to the back of the
        queue, so the next call starts with the ones that did not.
        """
        for job in [job for job in self._jobs if job.future.done()]:
            self._finish(job)  # the request was cancelled (its client went away)
        jobs = [job for job in self._jobs if job.remaining]
        if not jobs:
            return None, []
        engine = jobs[0].engine
        jobs = [job for job in jobs if job.engine is engine]
        taken = dict.fromkeys(jobs, 0)
        count = chars = 0
        open_jobs = list(jobs)
        while open_jobs and count < self.max_size:
            still_open = []
            for job in open_jobs:
                index = job.done + taken[job]
                if index >= len(job.texts) or count >= self.max_size:
                    continue
                length = len(job.texts[index])
                if count and self.max_chars is not None and chars + length > self.max_chars:
                    continue  # this request's next text waits; shorter ones may still fit
                taken[job] += 1
                count += 1
                chars += length
                still_open.append(job)
            open_jobs = still_open
        parts = [(job, job.done, job.done + n) for job, n in taken.items() if n]
        for job, start, stop in parts:
            job.done = stop
            self._jobs.remove(job)
            self._jobs.append(job)
        self._pending -= count
        return engine, parts

    async def _call(self, engine, parts):
        texts = [text for job, start, stop in parts for text in job.texts[start:stop]]
        states = None  # None within the list: a fresh conversation
        if any(job.states is not None for job, _, _ in parts):
            states = [job.states[i] if job.states is not None else None
                      for job, start, stop in parts for i in range(start, stop)]
        try:
            answers, seconds = await asyncio.get_running_loop().run_in_executor(
                self._executor, _timed, engine.parse, texts, states)
        except Exception as exc:  # handed to the waiting requests, never lost
            for job, _, _ in parts:
                self._finish(job, exc)
            return
        if self.on_batch is not None:
            self.on_batch(len(texts), seconds)
        offset = 0
        for job, start, stop in parts:
            job.answers += answers[offset:offset + stop - start]
            offset += stop - start
            if len(job.answers) == len(job.texts):
                self._finish(job)

    def _finish(self, job, error=None):
        if job in self._jobs:
            self._jobs.remove(job)
            self._pending -= job.remaining
        if job.future.done():  # cancelled
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(job.answers)


def _timed(function, *args):
    """``(function(*args), seconds it took)``, timed on the thread that runs it."""
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def _wake_up(future):
    if not future.done():
        future.set_result(None)
