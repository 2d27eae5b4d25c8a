"""Prometheus metrics, one registry per app (no global state); with several worker
processes, prometheus-client's multiprocess mode adds up every worker's."""

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

#: Set (by ``nlu serve --workers N``) before the workers start: metrics go to files there.
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

from nlu.vocabulary import intent_label, route_label


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("nlu_http_requests", "HTTP requests",
                                ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("nlu_http_request_seconds", "HTTP request latency",
                                 ["endpoint"], registry=self.registry,
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
        self.predictions = Counter("nlu_predictions", "Predictions by intent, route and "
                                   "fallback reason", ["intent", "route", "fallback"],
                                   registry=self.registry)
        self.batch_size = Histogram("nlu_batch_size", "Texts per model call",
                                    registry=self.registry,
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
        self.batch_seconds = Histogram("nlu_batch_seconds", "Seconds per model call",
                                       registry=self.registry)
        self.store_write_seconds = Histogram(
            "nlu_store_write_seconds", "Seconds per write of prediction records (the rows "
            "of every request waiting: one transaction, or one per row when the database "
            "refuses a row)", registry=self.registry,
            buckets=(.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5))
        self.records_stored = Counter("nlu_records_stored", "Prediction records committed",
                                      registry=self.registry)
        self.records_rejected = Counter("nlu_records_rejected", "Prediction records the "
                                        "database refused, set aside (never retried)",
                                        registry=self.registry)
        self.store_errors = Counter("nlu_store_errors", "Writes of prediction records that "
                                    "failed because the database could not be written",
                                    registry=self.registry)
        self.store_up = Gauge("nlu_store_up", "1 when the last write of prediction records "
                              "succeeded, 0 when it failed", registry=self.registry,
                              multiprocess_mode="min")
        self.pending = Gauge("nlu_records_pending", "Prediction records waiting for the "
                             "database", registry=self.registry, multiprocess_mode="livesum")
        self.store_up.set(1)
        # Labelled children, kept: prometheus-client's labels() takes a lock and checks
        # its values each call (a tenth of a prediction request's time on the event loop).
        self._children = {}

    def _child(self, metric, *values):
        key = (metric, values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def observe_request(self, endpoint, method, status, seconds):
        self._child(self.requests, endpoint, method, str(status)).inc()
        self._child(self.latency, endpoint).observe(seconds)

    def exposition(self):
        """The metrics in Prometheus' text format: every worker's, added up, in
        multiprocess mode; this registry's otherwise."""
        if os.environ.get(MULTIPROC_VARIABLE):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)

    def observe_batch(self, size, seconds):
        self.batch_size.observe(size)
        self.batch_seconds.observe(seconds)

    def observe_prediction(self, prediction):
        self._child(self.predictions, intent_label(prediction.intent),
                    route_label(prediction.route), route_label(prediction.fallback)).inc()
