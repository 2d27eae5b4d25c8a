import json
import os
import shutil

import pytest
import sklearn

from nlu.errors import ArtifactError, IncompatibleArtifactError
from nlu.model.artifacts import (
    FORMAT_VERSION,
    check_writable,
    load_model,
    point_link,
    read_manifest,
    resolve_artifact,
    save_model,
)

TEXTS = ["halo kak", "batalin pesanan INV/20261103/MPL/3456789012", "resep rendang",
         "refund Rp150.000 belum masuk", "mau ngomong sama cs"]


@pytest.fixture
def artifact(saved_model_dir, tmp_path):
    """A private copy of the saved model, free to damage."""
    return shutil.copytree(saved_model_dir, tmp_path / "model")


def edit_manifest(path, change):
    manifest_file = path / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    change(manifest)
    manifest_file.write_text(json.dumps(manifest))


def test_round_trip_gives_identical_predictions(fast_model, saved_model_dir):
    loaded = load_model(saved_model_dir)
    assert loaded.predict(TEXTS) == fast_model.predict(TEXTS)
    assert loaded.predict(TEXTS, threshold=0.9, margin=0.2) == \
        fast_model.predict(TEXTS, threshold=0.9, margin=0.2)
    assert loaded.thresholds == fast_model.thresholds
    assert loaded.intent_routes == fast_model.intent_routes
    assert loaded.classes == fast_model.classes
    assert loaded.profile == "fast"
    assert loaded.metrics == fast_model.metrics
    assert loaded.data_sha256 == fast_model.data_sha256


def test_manifest_records_what_the_model_needs(fast_model, saved_model_dir):
    manifest = read_manifest(saved_model_dir)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["version"] == saved_model_dir.name
    assert manifest["profile"] == "fast"
    assert manifest["labels"] == fast_model.labels
    assert manifest["classes"] == fast_model.classes
    assert manifest["intent_routes"] == fast_model.intent_routes
    assert manifest["thresholds"] == {"threshold": fast_model.thresholds.threshold,
                                      "margin": fast_model.thresholds.margin,
                                      "out_of_scope": fast_model.thresholds.out_of_scope}
    assert manifest["encoders"] == []  # the fast profile has no sentence encoder
    assert manifest["library_versions"]["scikit-learn"] == sklearn.__version__
    assert manifest["training_data_sha256"] == fast_model.data_sha256
    assert set(manifest["files"]) == {"pipeline.pkl"}
    assert sorted(p.name for p in saved_model_dir.iterdir()) == ["manifest.json",
                                                                  "pipeline.pkl"]


def test_save_refuses_an_existing_directory(fast_model, tmp_path):
    target = tmp_path / "model"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(ArtifactError, match="already exists; artifacts are never overwritten"):
        save_model(fast_model, target)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_save_leaves_no_staging_directory(fast_model, tmp_path):
    save_model(fast_model, tmp_path / "a" / "model")
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["model"]


def test_load_missing_directory(tmp_path):
    with pytest.raises(ArtifactError, match=r"nope: no model artifact here \(not a directory\)"):
        load_model(tmp_path / "nope")


def test_load_directory_without_manifest(tmp_path):
    with pytest.raises(ArtifactError, match=r"not a model artifact \(manifest.json is missing\)"):
        load_model(tmp_path)


def test_load_corrupt_manifest_json(artifact):
    (artifact / "manifest.json").write_text('{"format_version": 1,')
    with pytest.raises(ArtifactError, match=r"manifest.json: corrupt manifest: "):
        load_model(artifact)


def test_load_manifest_without_format_version(artifact):
    (artifact / "manifest.json").write_text("[]")
    with pytest.raises(ArtifactError, match="corrupt manifest: no format_version"):
        load_model(artifact)


def test_load_manifest_missing_a_key(artifact):
    edit_manifest(artifact, lambda m: m.pop("thresholds"))
    with pytest.raises(ArtifactError, match="corrupt manifest: missing or bad 'thresholds'"):
        load_model(artifact)


def test_load_truncated_pipeline(artifact):
    pipeline = artifact / "pipeline.pkl"
    pipeline.write_bytes(pipeline.read_bytes()[:1000])
    with pytest.raises(ArtifactError, match=r"pipeline.pkl: truncated or corrupt "
                                            r"\(checksum mismatch\)"):
        load_model(artifact)


def test_load_missing_pipeline(artifact):
    (artifact / "pipeline.pkl").unlink()
    with pytest.raises(ArtifactError, match="pipeline.pkl: missing"):
        load_model(artifact)


def test_load_other_format_version(artifact):
    edit_manifest(artifact, lambda m: m.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(IncompatibleArtifactError) as caught:
        load_model(artifact)
    assert str(caught.value) == (f"{artifact}: artifact format {FORMAT_VERSION + 1}, this "
                                 f"version of nlu reads format {FORMAT_VERSION}; retrain the "
                                 "model")


def test_load_other_scikit_learn_version_names_both(artifact):
    edit_manifest(artifact, lambda m: m["library_versions"].update({"scikit-learn": "1.0.2"}))
    with pytest.raises(IncompatibleArtifactError) as caught:
        load_model(artifact)
    message = str(caught.value)
    assert "written with scikit-learn 1.0.2" in message
    assert f"installed scikit-learn is {sklearn.__version__}" in message
    assert "scikit-learn==1.0.2" in message


def test_incompatible_is_an_artifact_error():
    assert issubclass(IncompatibleArtifactError, ArtifactError)


def test_load_pipeline_whose_classes_differ_from_the_manifest(artifact):
    edit_manifest(artifact, lambda m: m.update(classes=m["classes"][:-1]))
    with pytest.raises(ArtifactError, match="the pipeline's classes do not match the manifest"):
        load_model(artifact)


def test_point_link_swaps_a_symlink(saved_model_dir, tmp_path):
    second = shutil.copytree(saved_model_dir, tmp_path / "v2")
    link = tmp_path / "current"
    point_link(link, saved_model_dir)
    assert link.is_symlink()
    assert link.resolve() == saved_model_dir.resolve()
    point_link(link, second)
    assert link.resolve() == second.resolve()
    # Relative, so the models directory can move as a whole.
    assert not os.path.isabs(os.readlink(link))
    assert load_model(link).classes == load_model(second).classes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "v2"]


def test_point_link_refuses_to_replace_a_real_directory(saved_model_dir, tmp_path):
    real = tmp_path / "current"
    real.mkdir()
    with pytest.raises(ArtifactError, match="exists and is not a symlink"):
        point_link(real, saved_model_dir)
    assert real.is_dir() and not real.is_symlink()


def test_a_pipeline_that_cannot_be_unpickled_is_named(saved_model_dir, tmp_path):
    import hashlib

    broken = tmp_path / "broken"
    shutil.copytree(saved_model_dir, broken)
    (broken / "pipeline.pkl").write_bytes(b"\x80\x04garbage")
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest["files"]["pipeline.pkl"] = hashlib.sha256(b"\x80\x04garbage").hexdigest()
    (broken / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"pipeline\.pkl: corrupt, cannot be loaded"):
        load_model(broken)


def test_linking_into_a_missing_folder_is_an_artifact_error(saved_model_dir, tmp_path):
    with pytest.raises(ArtifactError, match="is not a directory"):
        point_link(tmp_path / "missing" / "current", saved_model_dir)


# -- loading only what save_model writes -----------------------------------------------------


class _RunsCode:
    """A pickle that runs ``touch MARKER`` when unpickled by an ordinary loader."""

    def __init__(self, marker, how="os"):
        self.marker, self.how = str(marker), how

    def __reduce__(self):
        import os
        import subprocess

        if self.how == "os":
            return os.system, (f"touch {self.marker}",)
        if self.how == "eval":
            return eval, (f"open({self.marker!r}, 'w')",)
        return subprocess.Popen, (["touch", self.marker],)


def _plant(artifact, payload):
    """Replace the pipeline with ``payload`` and make the manifest vouch for it."""
    import hashlib
    import pickle

    data = pickle.dumps(payload, protocol=5)
    (artifact / "pipeline.pkl").write_bytes(data)
    edit_manifest(artifact, lambda m: m["files"].update(
        {"pipeline.pkl": hashlib.sha256(data).hexdigest()}))


@pytest.mark.parametrize("how, named", [("os", "posix.system"), ("eval", "builtins.eval"),
                                        ("popen", "subprocess.Popen")])
def test_a_crafted_pickle_whose_checksum_matches_does_not_run(artifact, tmp_path, how, named):
    marker = tmp_path / "pwned"
    _plant(artifact, _RunsCode(marker, how))

    with pytest.raises(ArtifactError, match=rf"pipeline\.pkl: not loaded: it refers to "
                                            rf"{named}, which nlu never writes into a model"):
        load_model(artifact)
    assert not marker.exists()


def test_code_hidden_inside_an_estimator_is_refused_too(fast_model, artifact, tmp_path):
    import os

    from sklearn.preprocessing import FunctionTransformer

    marker = tmp_path / "pwned"
    # A real estimator class, but its function is one nlu never writes.
    _plant(artifact, FunctionTransformer(func=os.system, kw_args={"command": f"touch {marker}"}))

    with pytest.raises(ArtifactError, match="refers to posix.system"):
        load_model(artifact)
    assert not marker.exists()


def test_an_artifact_of_format_1_written_with_joblib_is_refused(artifact):
    edit_manifest(artifact, lambda m: m.update(format_version=1))

    with pytest.raises(IncompatibleArtifactError, match="artifact format 1, this version of "
                                                        "nlu reads format 3; retrain"):
        load_model(artifact)


def test_a_pipeline_file_that_is_a_symlink_is_refused(artifact, tmp_path):
    elsewhere = tmp_path / "elsewhere.pkl"
    (artifact / "pipeline.pkl").rename(elsewhere)
    (artifact / "pipeline.pkl").symlink_to(elsewhere)

    with pytest.raises(ArtifactError, match=r"pipeline\.pkl: missing \(or not a plain file\)"):
        load_model(artifact)


def test_the_checked_bytes_are_the_unpickled_bytes(artifact, monkeypatch):
    # The file is read once: swapping it between the checksum and the load changes nothing.
    from nlu.model import artifacts

    reads = []
    original = type(artifact).read_bytes
    monkeypatch.setattr(type(artifact), "read_bytes",
                        lambda self: reads.append(self.name) or original(self))
    artifacts.load_model(artifact)
    assert reads.count("pipeline.pkl") == 1


# -- paths ------------------------------------------------------------------------------------


def test_resolve_artifact_follows_links_inside_the_models_folder(saved_model_dir, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    real = shutil.copytree(saved_model_dir, models / "v1")
    (models / "current").symlink_to("v1")
    assert resolve_artifact(models / "current", models) == real.resolve()


@pytest.mark.parametrize("make, message", [
    (lambda m, o: o, "outside the models folder"),
    (lambda m, o: (m / "escape").symlink_to(o) or m / "escape", "outside the models folder"),
    (lambda m, o: m / ".." / o.name, "outside the models folder"),
    (lambda m, o: (m / "a").symlink_to(m / "b") or (m / "b").symlink_to(m / "a") or m / "a",
     "not a usable path: symlink loop"),
    (lambda m, o: m / "nope", "no model artifact here"),
    (lambda m, o: str(m / "bad\x00name"), r"not a usable path: embedded null byte"),
])
def test_resolve_artifact_refuses_in_one_line(saved_model_dir, tmp_path, make, message):
    models = tmp_path / "models"
    models.mkdir()
    outside = shutil.copytree(saved_model_dir, tmp_path / "outside")

    with pytest.raises(ArtifactError, match=message) as error:
        resolve_artifact(make(models, outside), models)
    assert "\n" not in str(error.value)


def test_check_writable_refuses_an_unwritable_folder_before_training(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "file").write_text("x")  # (tests run as root: a mode would not stop them)
    with pytest.raises(ArtifactError, match=r"ro/file/model: cannot write the artifact "
                                            r"there \(.*ro/file is a file, not a folder\)"):
        check_writable(folder / "file" / "model")
    check_writable(folder / "model")  # fine, and leaves nothing behind
    assert sorted(p.name for p in folder.iterdir()) == ["file"]


def test_save_into_an_unwritable_place_is_an_artifact_error(fast_model, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ArtifactError, match="cannot write the artifact there"):
        save_model(fast_model, tmp_path / "file" / "model")
