"""Prometheus metrics, one registry per app (no global state)."""

from prometheus_client import CollectorRegistry, Counter, Histogram

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

    def observe_batch(self, size, seconds):
        self.batch_size.observe(size)
        self.batch_seconds.observe(seconds)

    def observe_prediction(self, prediction):
        self.predictions.labels(intent_label(prediction.intent), route_label(prediction.route),
                                route_label(prediction.fallback)).inc()
