"""Model artifacts on disk: manifest.json plus the fitted sklearn Pipeline via joblib.

The embedding model is referenced by name, never copied: no torch object is pickled.
"""

__all__ = ["save_model", "load_model", "read_manifest", "point_link", "FORMAT_VERSION"]

import hashlib
import json
import os
import platform
import shutil
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import joblib

from ..data.dataset import IntentSpec
from ..errors import ArtifactError, EmbeddingModelError, IncompatibleArtifactError
from .fallback import Thresholds
from .model import NLUModel, encoders

# 2: thresholds gained out_of_scope (the out-of-scope class no longer wins by argmax).
FORMAT_VERSION = 2
_PIPELINE = "pipeline.joblib"
_MANIFEST = "manifest.json"
# A pickled Pipeline is only safe to load with the versions that wrote it.
_PINNED = ("scikit-learn", "numpy", "scipy")


def library_versions():
    versions = {"python": platform.python_version()}
    for name in ("tokocare-nlu",) + _PINNED + ("joblib",):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def save_model(model, path):
    """Write ``model`` to a new directory ``path``; refuse to overwrite anything.

    The directory is written under a temporary name and renamed at the end, so a crash
    never leaves a half-written artifact behind.
    """
    path = Path(path)
    if path.exists():
        raise ArtifactError(f"{path}: already exists; artifacts are never overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        joblib.dump(model.pipeline, staging / _PIPELINE)
        manifest = {
            "format_version": FORMAT_VERSION,
            "version": path.name,
            "profile": model.profile,
            "labels": model.labels,
            "classes": model.classes,
            "intents": [{"id": i.id, "route": i.route, "description": i.description}
                        for i in model.intents.values()],
            "intent_routes": model.intent_routes,
            "embedding_model": model.embedding_model,
            "encoders": [e.encoder_ for e in encoders(model.pipeline)],
            "library_versions": library_versions(),
            "training_data_sha256": model.data_sha256,
            "training_seconds": model.training_seconds,
            "thresholds": vars(model.thresholds),
            "metrics": model.metrics,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "files": {_PIPELINE: _sha256(staging / _PIPELINE)},
        }
        (staging / _MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes it private
        os.rename(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def read_manifest(path):
    """Read and check an artifact's manifest.json (format and library versions)."""
    path = Path(path)
    if not path.is_dir():
        raise ArtifactError(f"{path}: no model artifact here (not a directory)")
    try:
        manifest = json.loads((path / _MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(f"{path}: not a model artifact ({_MANIFEST} is missing)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path / _MANIFEST}: corrupt manifest: {exc}") from None
    if not isinstance(manifest, dict) or "format_version" not in manifest:
        raise ArtifactError(f"{path / _MANIFEST}: corrupt manifest: no format_version")
    if manifest["format_version"] != FORMAT_VERSION:
        raise IncompatibleArtifactError(
            f"{path}: artifact format {manifest['format_version']!r}, this version of nlu "
            f"reads format {FORMAT_VERSION}; retrain the model")
    wrote, have = manifest.get("library_versions", {}), library_versions()
    for name in _PINNED:
        if wrote.get(name) != have[name]:
            raise IncompatibleArtifactError(
                f"{path}: written with {name} {wrote.get(name)}, installed {name} is "
                f"{have[name]}; retrain the model or install {name}=={wrote.get(name)}")
    return manifest


def load_model(path):
    """Load an artifact written by :func:`save_model`, or fail with one clear error.

    Raises
    ------
    ArtifactError
        Missing, truncated or corrupt artifact.
    IncompatibleArtifactError
        Written by another artifact format or library version (names both).
    """
    path = Path(path)
    manifest = read_manifest(path)
    try:
        pipeline_file = path / _PIPELINE
        expected = manifest["files"][_PIPELINE]
        if not pipeline_file.is_file():
            raise ArtifactError(f"{pipeline_file}: missing")
        if _sha256(pipeline_file) != expected:
            raise ArtifactError(f"{pipeline_file}: truncated or corrupt (checksum mismatch)")
        try:
            pipeline = joblib.load(pipeline_file)
        except Exception as exc:  # unpickling a damaged file raises many types
            raise ArtifactError(f"{pipeline_file}: corrupt, cannot be loaded: {exc}") from None
        intents = {i["id"]: IntentSpec(i["id"], i.get("route"), i.get("description", ""))
                   for i in manifest["intents"]}
        thresholds = Thresholds(**{k: float(v) for k, v in manifest["thresholds"].items()})
        model = NLUModel(pipeline, manifest["profile"], intents, thresholds,
                         manifest.get("embedding_model"), manifest.get("metrics", {}),
                         manifest.get("training_data_sha256", ""),
                         manifest.get("training_seconds", 0.0))
        if model.classes != manifest["classes"]:
            raise ArtifactError(f"{path}: the pipeline's classes do not match the manifest")
        for encoder in encoders(pipeline):
            mismatch = encoder.check_encoder()
            if mismatch is not None:
                (fitted, installed) = mismatch
                raise IncompatibleArtifactError(
                    f"{path}: trained with the encoder {fitted['name']} {fitted['version']}, "
                    f"this machine has {installed['name']} {installed['version']}; retrain "
                    "the model or install the encoder it was trained with")
        model.predict(["halo"])  # fail now, not on the first request (e.g. embedding model)
    except (ArtifactError, EmbeddingModelError):
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"{path / _MANIFEST}: corrupt manifest: missing or bad {exc}") from None
    except Exception as exc:  # unpickling a damaged file raises many types
        raise ArtifactError(f"{path}: cannot load the model: {exc}") from None
    return model


def point_link(link, target):
    """Atomically point the symlink ``link`` (e.g. models/current) at ``target``."""
    link, target = Path(link), Path(target)
    if link.exists() and not link.is_symlink():
        raise ArtifactError(f"{link}: exists and is not a symlink; not replacing it")
    if not link.parent.is_dir():
        raise ArtifactError(f"{link}: cannot link, {link.parent} is not a directory")
    relative = os.path.relpath(target.resolve(), link.parent.resolve())
    temporary = link.with_name(f".{link.name}.{os.getpid()}")
    try:
        temporary.unlink(missing_ok=True)
        os.symlink(relative, temporary)
        os.replace(temporary, link)
    except OSError as exc:
        raise ArtifactError(f"{link}: cannot link: {exc.strerror}") from None
    return link


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
