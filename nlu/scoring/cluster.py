"""Scoring on a ``dask.distributed`` cluster: each worker loads the artifact once, when it
joins, through a worker plugin; partitions find the model there."""

__all__ = ["ArtifactPlugin", "WorkerModel", "PLUGIN_NAME"]

from distributed import WorkerPlugin, get_worker

from ..model.artifacts import load_model

PLUGIN_NAME = "nlu-artifact"


class ArtifactPlugin(WorkerPlugin):
    """Loads the artifact at ``path`` on each worker (the path must be visible to every
    worker, as a model folder is to every server instance)."""

    name = PLUGIN_NAME

    def __init__(self, path):
        self.path = str(path)
        self.model = None
        self.loads = 0  # how many times this worker loaded the artifact: once

    def setup(self, worker):
        self.model = load_model(self.path)
        self.loads += 1


class WorkerModel:
    """Stands for the model in a task: resolved, on the worker, to the plugin's model."""

    def resolve(self):
        return get_worker().plugins[PLUGIN_NAME].model
