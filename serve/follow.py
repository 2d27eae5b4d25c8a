"""Several worker processes, one model: a reload on one worker reaches the others.

``nlu serve --workers N`` gives every worker the same file (``NLU_SERVED_MODEL_FILE``). A
reload writes the artifact it swapped in there; each worker looks at the file every
``interval`` seconds and, when a reload has written it since, loads the artifact on a
thread and swaps it in, as the reload did (traffic goes on meanwhile). A load that fails
is tried again, after twice as long each time (at most :data:`MAX_RETRY_SECONDS`), until
it succeeds or the file names another artifact. A worker that starts later (one
restarted by the supervisor) serves the artifact the file names.
"""

import asyncio
import json
import logging
import os
import time

from nlu.errors import ArtifactError, NLUError, Unavailable
from nlu.model.artifacts import resolve_artifact

from .engine import load_engine

log = logging.getLogger("nlu.serve")
#: The longest wait before a failed load of the artifact the file names is tried again.
MAX_RETRY_SECONDS = 60.0


class SharedModel:
    """The artifact an instance's workers serve, in ``path`` (a small JSON file)."""

    def __init__(self, path, interval=1.0):
        self.path = path
        self.interval = interval
        self._seen = None  # the file's content when last read or written here
        self._complaint = None  # the last problem logged (once, not every interval)
        # After a failed load: (the file's content, failures, when to try it again).
        self._retry = None

    def named(self):
        """The artifact the file names (an absolute path), or None without a readable
        file; a file that cannot be read is logged, not raised: the worker goes on with
        what it serves."""
        try:
            content = self.path.read_text(encoding="utf-8")
            named = json.loads(content)["path"]
            if not isinstance(named, str):
                raise ValueError(f"path is {named!r}, not a string")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
            self._complain(f"cannot read the served model's file {self.path}: {exc}")
            return None
        self._seen = content
        return named

    def first_engine(self, settings):
        """The engine a worker starts with: the artifact the other workers serve, when they
        have reloaded one (this worker was restarted since), else ``settings.model_dir``.
        An artifact named that cannot be loaded is logged, and :meth:`follow` tries it
        again."""
        named = self.named()
        if named is not None:
            try:
                return load_named(named, settings)
            except NLUError as exc:
                self._seen = None  # still to follow
                log.error("the other workers serve %s, which this worker cannot load; "
                          "serving %s meanwhile: %s", named, settings.model_dir, exc)
        return load_engine(settings.model_dir, settings.domain_dir)

    def announce(self, engine):
        """Name ``engine``'s artifact in the file (written whole: a reader never sees half
        of it); the other workers follow.

        Raises
        ------
        Unavailable
            The file cannot be written: the other workers would not follow.
        """
        # Each reload its own content: a reload of the same folder (retrained in place)
        # reaches the others too.
        content = json.dumps({"path": str(engine.path), "version": engine.version,
                              "reload": f"{time.time_ns()}-{os.getpid()}"})
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            partial.write_text(content, encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as exc:
            raise Unavailable(f"cannot tell the other workers ({self.path}: "
                              f"{exc.strerror or exc})") from None
        self._seen = content

    async def follow(self, state):
        """Until cancelled: swap in the artifact the file names whenever another worker
        has changed it. An artifact that cannot be loaded (or that is outside the models
        folder and not the configured one) is logged once, and the worker goes on serving
        its model meanwhile, trying it again later (the module's docstring); nothing else
        stops the task either."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self._follow_once(state)
            except Exception as exc:  # a bug: logged, and the next look may do better
                self._complain(f"following the served model's file {self.path} failed: "
                               f"{exc!r}")

    async def _follow_once(self, state):
        seen = self._seen
        named = self.named()
        if named is None or self._seen == seen:
            return
        before, content = state.engine, self._seen
        failed, failures, due = self._retry or (None, 0, 0.0)
        if failed != content:  # a new artifact: tried at once
            failures, due = 0, 0.0
        if time.monotonic() < due:
            self._seen = seen  # still to follow: looked at again when it is due
            return
        try:
            engine = await asyncio.to_thread(load_named, named, state.settings)
        except NLUError as exc:
            failures += 1
            wait = min(MAX_RETRY_SECONDS, self.interval * 2 ** failures)
            self._retry = (content, failures, time.monotonic() + wait)
            if self._seen == content:  # no reload here meanwhile: still to follow
                self._seen = seen
            self._complain(f"another worker reloaded {named}, which this worker cannot load "
                           f"(still serving {before.version}; trying again later): {exc}")
            return
        # A reload on this worker while this one was loading: that one counts.
        if state.engine is not before or self._seen != content:
            return
        state.engine = engine
        self._complaint = self._retry = None
        log.info("another worker reloaded: now serving %s", engine.version)

    def _complain(self, problem):
        if problem != self._complaint:
            log.error("%s", problem)
            self._complaint = problem


def load_named(named, settings):
    """The engine of the artifact the file names, if it is one a reload may load: inside
    the models folder, or the configured model; else :class:`~nlu.errors.ArtifactError`
    (whoever can write the file could otherwise have every worker unpickle any file)."""
    path = resolve_artifact(named)
    try:
        configured = resolve_artifact(settings.model_dir)
    except ArtifactError:  # gone since: the models folder decides alone
        configured = None
    if path != configured:
        path = resolve_artifact(path, settings.models_dir)
    return load_engine(path, settings.domain_dir)
