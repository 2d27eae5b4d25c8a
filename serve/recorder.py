"""Writes prediction records to the store before the answer is sent, in group commits."""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from nlu.errors import RecordRejected, StoreError

log = logging.getLogger("nlu.serve")
#: Rows waiting for the database beyond which requests are refused (503) at once rather
#: than queued: a database that is down or stalled never grows the server's memory.
MAX_PENDING = 8192
#: Rows per transaction.
MAX_BATCH = 512


class Recorder:
    """Store prediction rows before their request is answered; a message id a client holds
    is in the database (on any worker, after a kill -9).

    Rows of concurrent requests wait for one write at most: while a transaction runs, the
    rows that arrive gather into the next one (a group commit), so that the store sees
    one commit per model batch under load, not one per request.

    :meth:`record` raises :class:`~nlu.errors.StoreError` when the database cannot take
    the rows (down, read-only, deleted, too far behind) and
    :class:`~nlu.errors.RecordRejected` for a row it refused for what the row holds; that
    row is set aside (counted, logged once, never retried) and the others are stored.
    ``failure`` is the reason of the last failed write, None once a write succeeds.
    """

    def __init__(self, store, metrics):
        self.store = store
        self.metrics = metrics
        self.failure = None
        self._pending = []  # (row, future)
        self._wake = None
        self._task = None
        self._stopping = False
        # One thread: writes are serialized, and a stalled database holds one thread only.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")

    async def start(self):
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def stop(self):
        """Write what is pending, then stop."""
        self._stopping = True
        self._wake.set()
        await self._task
        self._executor.shutdown(wait=True)

    async def record(self, rows):
        """Return once ``rows`` (prediction records) are committed."""
        if len(self._pending) + len(rows) > MAX_PENDING:
            raise StoreError(f"the database is {len(self._pending)} predictions behind: "
                             "nothing stored, try again shortly")
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in rows]
        self._pending += zip(rows, futures)
        self.metrics.pending.set(len(self._pending))
        self._wake.set()
        if len(futures) == 1:
            return await futures[0]
        # Every outcome retrieved (an unread exception would be logged), the first raised.
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        error = next((o for o in outcomes if isinstance(o, BaseException)), None)
        if error is not None:
            raise error

    async def _run(self):
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                await self._write_next()

    async def _write_next(self):
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        self.metrics.pending.set(len(self._pending))
        rows = [row for row, _ in batch]
        try:
            refused = await asyncio.get_running_loop().run_in_executor(
                self._executor, self._write, rows)
        except Exception as exc:  # any failure is the clients' answer, never a lost row
            self._failed(exc)
            error = exc if isinstance(exc, StoreError) else StoreError(
                f"database error: {type(exc).__name__}")
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        self._succeeded(len(rows) - len(refused))
        reasons = {id(row): reason for row, reason in refused}
        for row, future in batch:
            reason = reasons.get(id(row))
            if reason is not None:
                self.metrics.records_rejected.inc()
                log.error("prediction %s set aside, the database refused it: %s",
                          row["message_id"], reason)
            if future.done():  # the client went away; the row is stored all the same
                continue
            if reason is None:
                future.set_result(None)
            else:
                future.set_exception(RecordRejected(
                    f"the prediction could not be stored: {reason}"))

    def _write(self, rows):
        """Store ``rows`` (on the store's thread), timed there: the time the database took,
        not the event loop's delay in taking the result back."""
        started = time.perf_counter()
        try:
            return self.store.add_predictions(rows)
        finally:
            self.metrics.store_write_seconds.observe(time.perf_counter() - started)

    def _failed(self, exc):
        self.metrics.store_errors.inc()
        self.metrics.store_up.set(0)
        reason = str(exc) if isinstance(exc, StoreError) else repr(exc)
        if self.failure is None:  # once per outage, not once per write
            if isinstance(exc, StoreError):
                log.error("cannot store predictions: %s; answering 503 until it is back",
                          reason)
            else:
                log.exception("cannot store predictions; answering 503 until it is back")
        self.failure = reason

    def _succeeded(self, stored):
        self.metrics.records_stored.inc(stored)
        self.metrics.store_up.set(1)
        if self.failure is not None:
            log.warning("the database is back: predictions are stored again")
            self.failure = None
