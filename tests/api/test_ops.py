"""Health, readiness, the model manifest, Prometheus metrics, and the admin reload."""

import json
import shutil

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import ADMIN_TOKEN, MODEL_VERSION, STRICT_VERSION

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# The taxonomy's routes (data/intents_id.yaml), one intent per route and the urgent ones.
ROUTES = {"item_not_received": "invoice_chat", "seller_unresponsive": "resolution_center",
          "track_order": "answer", "payment_issue": "live_chat",
          "account_security": "live_chat", "greeting": "answer"}


def test_healthz(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_answers_once_the_model_predicts_and_the_store_takes_writes(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "model": "ok", "store": "ok"}


def test_model_manifest(client):
    body = client.get("/v1/model").json()

    assert body["version"] == MODEL_VERSION
    assert body["profile"] == "fast"
    intents = {i["id"]: i["route"] for i in body["intents"]}
    assert len(intents) == 16
    assert ROUTES.items() <= intents.items()
    assert set(body["labels"]) == set(intents)
    assert set(body["thresholds"]) == {"threshold", "margin", "out_of_scope"}
    assert 0.0 < body["thresholds"]["threshold"] < 1.0
    assert 0.5 <= body["thresholds"]["out_of_scope"] <= 1.01
    assert body["metrics"] and all(isinstance(v, (int, float, dict, list))
                                   for v in body["metrics"].values())


def metric_samples(client):
    """``{(name, labels): value}`` from GET /metrics."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def sample(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_per_endpoint_and_status(client):
    client.post("/v1/parse", json={"text": "halo kak"})
    client.post("/v1/parse", json={"text": "halo kak"})
    client.post("/v1/parse", json={"text": ""})
    client.post("/v1/chat", json={"session_id": "m", "text": "halo kak"})
    client.get("/no-such-page")

    samples = metric_samples(client)

    requests = "nlu_http_requests_total"
    assert sample(samples, requests, endpoint="/v1/parse", method="POST", status="200") == 2
    assert sample(samples, requests, endpoint="/v1/parse", method="POST", status="422") == 1
    assert sample(samples, requests, endpoint="/v1/chat", method="POST", status="200") == 1
    assert sample(samples, requests, endpoint="unmatched", method="GET", status="404") == 1
    latency = "nlu_http_request_seconds"
    assert sample(samples, f"{latency}_count", endpoint="/v1/parse") == 3
    assert sample(samples, f"{latency}_bucket", endpoint="/v1/parse", le="+Inf") == 3
    assert sample(samples, f"{latency}_sum", endpoint="/v1/parse") > 0


def test_metrics_count_predictions_by_intent_route_and_fallback(client):
    client.post("/v1/parse/batch", json={"texts": [
        "halo kak", "halo min", "resep nasi goreng yang enak", "akun saya dibobol orang"]})

    samples = metric_samples(client)

    predictions = "nlu_predictions_total"
    assert sample(samples, predictions, intent="greeting", route="answer", fallback="none") == 2
    assert sample(samples, predictions, intent="out_of_scope", route="none",
                  fallback="out_of_scope") == 1
    assert sample(samples, predictions, intent="account_security", route="live_chat",
                  fallback="none") == 1


def test_metrics_record_batch_sizes(client):
    client.post("/v1/parse/batch", json={"texts": ["halo kak", "halo min", "makasih kak"]})

    samples = metric_samples(client)

    # The three texts of one request go to the model in one call.
    assert sample(samples, "nlu_batch_size_count") == 1
    assert sample(samples, "nlu_batch_size_sum") == 3
    assert sample(samples, "nlu_batch_size_bucket", le="2.0") == 0
    assert sample(samples, "nlu_batch_size_bucket", le="4.0") == 1
    assert sample(samples, "nlu_batch_seconds_count") == 1


def test_metrics_time_each_write_of_prediction_records(client):
    client.post("/v1/parse/batch", json={"texts": ["halo kak", "halo min", "makasih kak"]})
    client.post("/v1/parse", json={"text": "paket blm nyampe"})

    samples = metric_samples(client)

    # One write per request here (one client, one request at a time), three rows then one.
    assert sample(samples, "nlu_store_write_seconds_count") == 2
    assert 0 < sample(samples, "nlu_store_write_seconds_sum") < 5
    assert sample(samples, "nlu_records_stored_total") == 4


def test_reload_needs_the_admin_token(client):
    missing = client.post("/v1/admin/reload")
    not_bearer = client.post("/v1/admin/reload", headers={"Authorization": "Basic dGVzdA=="})
    wrong = client.post("/v1/admin/reload", headers={"Authorization": "Bearer nope"})

    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["detail"]
    assert not_bearer.status_code == 401
    assert wrong.status_code == 403
    assert wrong.json() == {"detail": "wrong admin token"}


def test_reload_is_refused_to_every_token_when_none_is_configured(make_client):
    client = make_client(admin_token=None)

    response = client.post("/v1/admin/reload", headers=ADMIN)

    assert response.status_code == 403
    assert response.json() == {"detail": "wrong admin token"}


def damaged_copy(model_dir, tmp_path, damage):
    """A damaged copy in the models folder (reloads load from there only)."""
    target = model_dir.parent / f"damaged-{tmp_path.name}"
    shutil.copytree(model_dir, target)
    damage(target)
    return target


def _truncate_pipeline(path):
    data = (path / "pipeline.pkl").read_bytes()
    (path / "pipeline.pkl").write_bytes(data[: len(data) // 2])


def _other_sklearn(path):
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["library_versions"]["scikit-learn"] = "0.24.2"
    (path / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("damage, message", [
    (lambda path: shutil.rmtree(path), "no model artifact here"),
    (lambda path: (path / "manifest.json").unlink(), "manifest.json is missing"),
    (_truncate_pipeline, "truncated or corrupt"),
    (_other_sklearn, "written with scikit-learn 0.24.2, installed scikit-learn is"),
])
def test_bad_artifact_is_refused_and_the_old_model_keeps_serving(client, model_dir, tmp_path,
                                                                 damage, message):
    bad = damaged_copy(model_dir, tmp_path, damage)

    response = client.post("/v1/admin/reload", json={"model_dir": str(bad)}, headers=ADMIN)

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith(f"artifact refused, still serving {MODEL_VERSION}: ")
    assert message in detail
    assert client.get("/v1/model").json()["version"] == MODEL_VERSION
    parse = client.post("/v1/parse", json={"text": "akun saya dibobol orang"})
    assert parse.status_code == 200 and parse.json()["intent"] == "account_security"


@pytest.mark.parametrize("path", ["bad\x00path", "x" * 300])
def test_reload_of_an_unusable_path_is_refused_not_a_crash(client, path):
    response = client.post("/v1/admin/reload", json={"model_dir": path}, headers=ADMIN)

    assert response.status_code == 409
    assert "not a usable path" in response.json()["detail"]


def test_good_artifact_swaps_in_and_the_configured_one_comes_back(client, strict_model_dir):
    text = "akun saya dibobol orang"
    assert client.post("/v1/parse", json={"text": text}).json()["fallback"] is None

    swapped = client.post("/v1/admin/reload", json={"model_dir": str(strict_model_dir)},
                          headers=ADMIN)

    assert swapped.status_code == 200, swapped.text
    assert swapped.json() == {"version": STRICT_VERSION, "previous_version": MODEL_VERSION,
                              "path": str(strict_model_dir.resolve())}
    manifest = client.get("/v1/model").json()
    assert manifest["version"] == STRICT_VERSION
    assert manifest["thresholds"]["margin"] == 1.0
    assert client.post("/v1/parse", json={"text": text}).json()["fallback"] == "ambiguous"

    back = client.post("/v1/admin/reload", headers=ADMIN)  # no body: the configured model

    assert back.status_code == 200
    assert back.json()["version"] == MODEL_VERSION
    assert back.json()["previous_version"] == STRICT_VERSION
    assert client.post("/v1/parse", json={"text": text}).json()["fallback"] is None


@pytest.mark.parametrize("body, status, message", [
    ({"model_dir": 5}, 422, "Input should be a valid string"),
    ({"model_dir": "x", "force": True}, 422, "Extra inputs are not permitted"),
    ({"model_dir": "x" * 1025}, 422, "at most 1024 characters"),
])
def test_reload_rejects_a_bad_body(client, body, status, message):
    response = client.post("/v1/admin/reload", json=body, headers=ADMIN)

    assert response.status_code == status
    assert response.json()["detail"][0]["msg"].endswith(message)


# -- reload from the models folder only ---------------------------------------------------------


def test_an_artifact_outside_the_models_folder_is_refused(client, model_dir, tmp_path):
    outside = shutil.copytree(model_dir, tmp_path / "outside")  # a good artifact, elsewhere
    (model_dir.parent / f"escape-{tmp_path.name}").symlink_to(outside)

    for path in (outside, model_dir.parent / f"escape-{tmp_path.name}",
                 model_dir.parent / ".." / outside.relative_to(model_dir.parent.parent)):
        response = client.post("/v1/admin/reload", json={"model_dir": str(path)},
                               headers=ADMIN)
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert detail.startswith(f"artifact refused, still serving {MODEL_VERSION}: ")
        assert f"outside the models folder {model_dir.parent.resolve()}" in detail
        assert "\n" not in detail and "Traceback" not in detail
    assert client.get("/v1/model").json()["version"] == MODEL_VERSION


def test_a_symlink_loop_is_a_409_with_one_line(client, model_dir, tmp_path):
    loop = model_dir.parent / f"loop-{tmp_path.name}"
    loop.symlink_to(f"{loop.name}-back")
    loop.with_name(f"{loop.name}-back").symlink_to(loop.name)

    response = client.post("/v1/admin/reload", json={"model_dir": str(loop)}, headers=ADMIN)

    assert response.status_code == 409
    assert response.json()["detail"].endswith(f"{loop}: not a usable path: symlink loop")


def test_a_crafted_pickle_in_the_models_folder_does_not_run(client, model_dir, tmp_path):
    import hashlib
    import os
    import pickle

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    crafted = damaged_copy(model_dir, tmp_path, lambda path: None)
    data = pickle.dumps(Payload(), protocol=5)
    (crafted / "pipeline.pkl").write_bytes(data)
    manifest = json.loads((crafted / "manifest.json").read_text())
    manifest["files"]["pipeline.pkl"] = hashlib.sha256(data).hexdigest()  # it "matches"
    (crafted / "manifest.json").write_text(json.dumps(manifest))

    response = client.post("/v1/admin/reload", json={"model_dir": str(crafted)},
                           headers=ADMIN)

    assert response.status_code == 409
    assert "refers to posix.system, which nlu never writes into a model" in \
        response.json()["detail"]
    assert not marker.exists()
    assert client.post("/v1/parse", json={"text": "halo"}).status_code == 200


def test_a_relative_path_inside_the_models_folder_is_loaded(make_client, strict_model_dir,
                                                            monkeypatch):
    monkeypatch.chdir(strict_model_dir.parent.parent)
    client = make_client(models_dir=strict_model_dir.parent.name)

    response = client.post("/v1/admin/reload", headers=ADMIN, json={
        "model_dir": f"{strict_model_dir.parent.name}/{strict_model_dir.name}"})

    assert response.status_code == 200, response.text
    assert response.json()["version"] == STRICT_VERSION
