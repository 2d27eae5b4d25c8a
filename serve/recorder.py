"""Writes predictions to the store in small batches, off the request path."""

import asyncio
import logging
import time

from nlu.errors import UnknownMessage

from .engine import cancel

log = logging.getLogger("nlu.serve")
#: How many write intervals a message id may take to reach the store from another worker.
UNKNOWN_GRACE_INTERVALS = 10


class Recorder:
    """Buffer prediction rows and insert them every ``interval`` seconds in one transaction.

    :meth:`flush` writes what is buffered now (feedback on a message just predicted calls
    it before looking the message up).
    """

    def __init__(self, store, interval=0.05):
        self.store = store
        self.interval = interval
        self._rows = []
        self._task = None
        self._lock = asyncio.Lock()

    def add(self, row):
        self._rows.append(row)

    async def start(self):
        self._task = asyncio.create_task(self._run())

    async def stop(self):
        await cancel(self._task)
        await self.flush()

    async def flush(self):
        async with self._lock:
            rows, self._rows = self._rows, []
            if not rows:
                return
            try:
                await asyncio.to_thread(self.store.add_predictions, rows)
            except Exception:  # keep the rows for the next try rather than lose them
                log.exception("cannot store %d predictions; will retry", len(rows))
                self._rows = rows + self._rows

    async def when_recorded(self, function, *args):
        """Run ``function(*args)`` (a store call about one message) in a thread; while it
        raises UnknownMessage, the prediction may still sit in a write buffer: this
        process's, flushed now, or another worker's, written within a few intervals."""
        try:
            return await asyncio.to_thread(function, *args)
        except UnknownMessage:
            await self.flush()
        deadline = time.monotonic() + UNKNOWN_GRACE_INTERVALS * self.interval
        while True:
            try:
                return await asyncio.to_thread(function, *args)
            except UnknownMessage:
                if time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(self.interval)

    async def _run(self):
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()
