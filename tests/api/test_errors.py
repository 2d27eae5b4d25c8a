"""Library errors become HTTP statuses in one table (serve/errors.py)."""

import pytest

from nlu.errors import (
    ArtifactError,
    Conflict,
    DataError,
    IncompatibleArtifactError,
    NLUError,
    Problem,
    StoreError,
    UnknownLabel,
    UnknownMessage,
)
from serve.errors import STATUS, status_of


@pytest.mark.parametrize("error, status", [
    (DataError([Problem("f", 1, "bad")]), 422),
    (UnknownLabel("x"), 422),
    (UnknownMessage("unknown message_id 'x'"), 404),
    (Conflict("exists"), 409),
    (IncompatibleArtifactError("old"), 409),
    (StoreError("down"), 503),
    (NLUError("anything else"), 500),
])
def test_each_library_error_has_its_status(error, status):
    assert status_of(error) == status


def test_a_new_error_class_takes_its_ancestors_status():
    class Sub(ArtifactError):
        pass

    assert Sub not in STATUS and status_of(Sub("x")) == 409


def test_a_route_raising_a_library_error_answers_with_its_message(shared_client):
    response = shared_client.post("/v1/feedback", json={"message_id": "0" * 32,
                                                        "source": "customer"})
    assert response.status_code == 404
    assert response.json() == {"detail": f"unknown message_id '{'0' * 32}'"}
