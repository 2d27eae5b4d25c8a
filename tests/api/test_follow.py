"""Several workers, one model (serve/follow.py): two apps on one served-model file stand
for two worker processes of `nlu serve --workers 2`."""

import json
import logging
import shutil
import threading
import time
import uuid

import pytest

from nlu.errors import ArtifactError
from serve import follow

from .conftest import ADMIN_TOKEN, MODEL_VERSION, STRICT_VERSION

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def workers(make_client, tmp_path):
    """``workers(n)``: n apps sharing one served-model file, looking at it every 50 ms."""
    shared = tmp_path / "served.json"
    return lambda n: [make_client(served_model_file=shared, follow_seconds=0.05)
                      for _ in range(n)]


def version(client):
    return client.get("/v1/model").json()["version"]


def wait_for(check, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def reload(client, model_dir):
    return client.post("/v1/admin/reload", json={"model_dir": str(model_dir)}, headers=ADMIN)


def test_a_reload_on_one_worker_reaches_the_other(workers, strict_model_dir):
    one, other = workers(2)
    assert version(one) == version(other) == MODEL_VERSION

    assert reload(one, strict_model_dir).status_code == 200

    assert version(one) == STRICT_VERSION  # at once where it was asked
    wait_for(lambda: version(other) == STRICT_VERSION)
    parsed = other.post("/v1/parse", json={"text": "paket blm nyampe udh 5 hari"}).json()
    assert parsed["fallback"] == "ambiguous"  # the strict artifact answers


def test_a_reload_of_the_same_folder_reaches_the_other_worker(make_client, model_dir,
                                                              tmp_path):
    served = shutil.copytree(model_dir, model_dir.parent / f"in-place-{uuid.uuid4().hex}")
    one, other = [make_client(model_dir=served, served_model_file=tmp_path / "served.json",
                              follow_seconds=0.05) for _ in range(2)]
    manifest = served / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "note": "retrained"}))

    assert one.post("/v1/admin/reload", headers=ADMIN).status_code == 200  # NLU_MODEL_DIR

    wait_for(lambda: other.get("/v1/model").json().get("note") == "retrained")
    shutil.rmtree(served)


def test_a_worker_started_after_a_reload_serves_the_reloaded_model(workers, strict_model_dir,
                                                                     tmp_path):
    [first] = workers(1)
    reload(first, strict_model_dir)

    [restarted] = workers(1)

    assert version(restarted) == STRICT_VERSION
    assert json.loads((tmp_path / "served.json").read_text())["version"] == STRICT_VERSION


def test_a_worker_that_cannot_load_the_reloaded_model_at_start_follows_it_later(
        workers, strict_model_dir, monkeypatch):
    [first] = workers(1)
    reload(first, strict_model_dir)
    real, calls, checked = follow.load_named, [], threading.Event()

    def flaky(named, settings):  # the first load, at start, fails; the next waits
        calls.append(named)
        if len(calls) == 1:
            raise ArtifactError(f"{named}: a file is being written")
        checked.wait(10)
        return real(named, settings)

    monkeypatch.setattr(follow, "load_named", flaky)
    [restarted] = workers(1)

    assert version(restarted) == MODEL_VERSION  # NLU_MODEL_DIR meanwhile
    checked.set()
    wait_for(lambda: version(restarted) == STRICT_VERSION)
    assert len(calls) == 2


def test_an_artifact_a_worker_cannot_load_is_logged_once_and_it_goes_on(
        workers, model_dir, strict_model_dir, tmp_path, caplog):
    one, other = workers(2)
    broken = model_dir.parent / f"broken-{uuid.uuid4().hex}"  # in the models folder
    broken.mkdir()
    with caplog.at_level(logging.ERROR, logger="nlu.serve"):
        (tmp_path / "served.json").write_text(json.dumps({"path": str(broken)}))
        time.sleep(0.5)  # ten looks at the file

        assert version(other) == MODEL_VERSION
        assert other.post("/v1/parse", json={"text": "halo kak"}).status_code == 200
        complaints = [r.getMessage() for r in caplog.records if str(broken) in r.getMessage()]
        assert len(complaints) == 2  # once by each worker
        assert "cannot load (still serving api-fast; trying again later)" in complaints[0]

    reload(one, strict_model_dir)  # a good reload after it is followed
    wait_for(lambda: version(other) == STRICT_VERSION)
    broken.rmdir()


def test_a_load_that_failed_is_tried_again_without_another_reload(
        workers, strict_model_dir, monkeypatch, caplog):
    one, other = workers(2)
    real, calls = follow.load_named, []

    def flaky(named, settings):  # the follower's first two loads fail
        calls.append(time.monotonic())
        if len(calls) <= 2:
            raise ArtifactError(f"{named}: a file is being written")
        return real(named, settings)

    monkeypatch.setattr(follow, "load_named", flaky)
    with caplog.at_level(logging.ERROR, logger="nlu.serve"):
        assert reload(one, strict_model_dir).status_code == 200

        wait_for(lambda: version(other) == STRICT_VERSION)

    assert len(calls) == 3
    # Each wait twice the last: 0.1 s, then 0.2 s (the workers look every 50 ms).
    assert calls[1] - calls[0] >= 0.1 and calls[2] - calls[1] >= 0.2
    complaints = [r.getMessage() for r in caplog.records if "being written" in r.getMessage()]
    assert len(complaints) == 1


def test_an_artifact_outside_the_models_folder_is_not_loaded(workers, strict_model_dir,
                                                             tmp_path, caplog):
    [worker] = workers(1)
    elsewhere = shutil.copytree(strict_model_dir, tmp_path / "elsewhere")
    with caplog.at_level(logging.ERROR, logger="nlu.serve"):
        (tmp_path / "served.json").write_text(json.dumps({"path": str(elsewhere)}))
        time.sleep(0.3)

    assert version(worker) == MODEL_VERSION
    assert any("outside the models folder" in r.getMessage() for r in caplog.records)


def test_a_reload_here_while_following_one_from_elsewhere_wins(workers, model_dir,
                                                               strict_model_dir, monkeypatch):
    one, other = workers(2)
    release, loading = threading.Event(), threading.Event()
    real = follow.load_named

    def slow(named, settings):  # the followers' loads wait for the test
        loading.set()
        release.wait(10)
        return real(named, settings)

    monkeypatch.setattr(follow, "load_named", slow)
    reload(one, strict_model_dir)
    assert loading.wait(10)  # the other worker is loading the strict model...
    assert reload(other, model_dir).status_code == 200  # ...when it is reloaded itself
    release.set()

    wait_for(lambda: version(one) == MODEL_VERSION)  # one follows other's reload
    time.sleep(0.3)
    assert version(other) == MODEL_VERSION  # the strict model it loaded is not swapped in


def test_the_follower_outlives_an_unexpected_error(workers, strict_model_dir, tmp_path,
                                                   monkeypatch, caplog):
    [worker] = workers(1)
    real = follow.SharedModel.named
    failures = iter([RuntimeError("a bug")])

    def named(self):
        for error in failures:
            raise error
        return real(self)

    monkeypatch.setattr(follow.SharedModel, "named", named)
    with caplog.at_level(logging.ERROR, logger="nlu.serve"):
        time.sleep(0.2)
    assert any("RuntimeError('a bug')" in r.getMessage() for r in caplog.records)

    (tmp_path / "served.json").write_text(json.dumps({"path": str(strict_model_dir)}))
    wait_for(lambda: version(worker) == STRICT_VERSION)


def test_a_file_that_is_not_json_is_logged_and_changes_nothing(workers, tmp_path, caplog):
    [worker] = workers(1)
    with caplog.at_level(logging.ERROR, logger="nlu.serve"):
        (tmp_path / "served.json").write_text("{not json")
        time.sleep(0.3)

    assert version(worker) == MODEL_VERSION
    messages = [r.getMessage() for r in caplog.records]
    assert sum("cannot read the served model's file" in m for m in messages) == 1


def test_a_reload_the_others_cannot_be_told_of_is_refused(make_client, strict_model_dir,
                                                          tmp_path):
    client = make_client(served_model_file=tmp_path / "gone" / "served.json")

    response = reload(client, strict_model_dir)

    assert response.status_code == 503
    assert "cannot tell the other workers" in response.json()["detail"]
    assert version(client) == MODEL_VERSION
