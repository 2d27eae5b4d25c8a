"""What `nlu serve` does before uvicorn starts: secrets written private from the first byte,
one key for hashing session ids across restarts, an address in use refused in one line."""

import os
import socket
import stat

import pytest

from nlu.errors import StartupError
from serve import launch


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = os.umask(0)  # the most permissive umask: the mode must not depend on it
    yield tmp_path
    os.umask(old)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_the_admin_token_file_is_private_from_the_start(in_tmp, monkeypatch):
    (in_tmp / "var").mkdir()
    (in_tmp / "var" / "admin_token").write_text("old\n")
    (in_tmp / "var" / "admin_token").chmod(0o644)  # left readable by an older version
    made = []
    real_chmod = os.chmod
    monkeypatch.setattr(os, "chmod", lambda *a, **k: made.append(a) or real_chmod(*a, **k))

    token = launch._new_admin_token()

    path = in_tmp / "var" / "admin_token"
    assert path.read_text() == token + "\n"
    assert mode(path) == 0o600
    assert made == []  # created private, never opened to others and closed after
    assert [p.name for p in path.parent.iterdir()] == ["admin_token"]  # no temporary left


def test_the_privacy_key_is_made_once_and_kept(in_tmp):
    first = launch._privacy_key()
    assert len(first) == 64 and mode(in_tmp / "var" / "privacy_key") == 0o600
    assert launch._privacy_key() == first  # a restart hashes session ids the same way


def test_an_address_in_use_is_refused_before_anything_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartupError, match=f"cannot listen on 127.0.0.1:{port}: "
                                               "Address already in use"):
            launch._check_address("127.0.0.1", port)
    launch._check_address("127.0.0.1", port)  # free again


@pytest.mark.parametrize("workers", [1, 2])
def test_a_served_model_file_of_the_last_run_is_not_followed(tmp_path, monkeypatch, workers):
    stale = tmp_path / "served.json"
    stale.write_text('{"path": "/models/of/the/last/run"}')
    monkeypatch.setenv(launch.SERVED_MODEL_VARIABLE, str(stale))
    monkeypatch.setenv(launch.MULTIPROC_VARIABLE, str(tmp_path / "metrics"))

    with launch._shared_between_workers(workers):
        following = os.environ.get(launch.SERVED_MODEL_VARIABLE)

    assert not stale.exists() or workers == 1
    assert following == (str(stale) if workers == 2 else None)  # one worker: nothing to follow
