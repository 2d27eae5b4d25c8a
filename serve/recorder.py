"""Writes predictions to the store in small batches, off the request path."""

import asyncio
import logging
import time
import uuid

from nlu.privacy import mask_text
from nlu.store import UnknownMessage, utcnow

from .engine import cancel

log = logging.getLogger("nlu.serve")
#: How many write intervals a message id may take to reach the store from another worker.
UNKNOWN_GRACE_INTERVALS = 10


def new_message_id():
    return uuid.uuid4().hex


def prediction_row(message_id, prediction, engine, endpoint, session_id=None):
    """The stored form of a prediction: masked text, no entity values."""
    ranking = [{"intent": r.intent, "confidence": r.confidence} for r in prediction.ranking]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    return {
        "message_id": message_id,
        "created_at": utcnow(),
        "session_id": session_id,
        "model_version": engine.version,
        "endpoint": endpoint,
        "text": mask_text(prediction.text, keep_invoices=True),
        "lang": prediction.lang,
        "intent": prediction.intent,
        "top_intent": ranking[0]["intent"],
        "confidence": prediction.confidence,
        "margin": round(prediction.confidence - second, 4),
        "ranking": ranking,
        "route": prediction.route,
        "fallback": prediction.fallback,
    }


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
