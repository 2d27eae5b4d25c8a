"""Model artifacts on disk: manifest.json plus the fitted sklearn Pipeline, pickled.

The embedding model is referenced by name, never copied: no torch object is pickled.

Loading trusts nothing it reads. The pipeline file must match the sha256 its manifest
records (written at training time), and it is unpickled by an unpickler that builds only
what :func:`save_model` writes: scikit-learn estimators, this library's estimators and
thresholds, NumPy arrays and scalars, SciPy sparse matrices, plain containers. Any other
global a pickle names (``os.system``, ``builtins.eval``, ``subprocess.Popen``...) stops the
load before it is called. A checksum alone would not do: whoever writes a crafted pickle
writes its manifest too. (A signature with a key kept outside the artifact would, but every
machine that trains, promotes or serves would need the key, and a leaked key would run code;
the allow-list needs no secret.)
"""

__all__ = ["save_model", "load_model", "read_manifest", "resolve_artifact", "check_writable",
           "point_link", "FORMAT_VERSION", "PIPELINE_FILE"]

import hashlib
import importlib
import io
import json
import os
import pickle
import platform
import shutil
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from ..data.dataset import IntentSpec
from ..errors import ArtifactError, EmbeddingModelError, IncompatibleArtifactError
from .fallback import Thresholds
from .model import NLUModel, encoders

#: 2: plain pickle read by the allow-list unpickler (1 was joblib, which runs any code);
#: 3: thresholds gained out_of_scope (the out-of-scope class no longer wins by argmax).
FORMAT_VERSION = 3
PIPELINE_FILE = "pipeline.pkl"
_MANIFEST = "manifest.json"
# A pickled Pipeline is only safe to load with the versions that wrote it.
_PINNED = ("scikit-learn", "numpy", "scipy")


def library_versions():
    versions = {"python": platform.python_version()}
    for name in ("tokocare-nlu",) + _PINNED:
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
    staging = _staging_dir(path)
    try:
        with open(staging / PIPELINE_FILE, "wb") as handle:
            pickle.dump(model.pipeline, handle, protocol=5)
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
            "files": {PIPELINE_FILE: _sha256(staging / PIPELINE_FILE)},
        }
        (staging / _MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes it private
        os.rename(staging, path)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ArtifactError(f"{path}: cannot write the artifact: {exc.strerror}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return path


def check_writable(path):
    """Raise :class:`ArtifactError` unless :func:`save_model` could write ``path`` (a new
    directory whose parent can be created and written): checked before a long training."""
    shutil.rmtree(_staging_dir(Path(path)))


def _staging_dir(path):
    """A new private directory beside ``path``, where an artifact is written before it is
    renamed into place (a crash never leaves a half-written artifact)."""
    if path.exists() or path.is_symlink():
        raise ArtifactError(f"{path}: already exists; artifacts are never overwritten")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    except FileExistsError as exc:  # a file where a folder of the path should be
        raise ArtifactError(f"{path}: cannot write the artifact there ({exc.filename} is a "
                            "file, not a folder)") from None
    except OSError as exc:
        where = exc.filename or path.parent
        raise ArtifactError(f"{path}: cannot write the artifact there ({where}: "
                            f"{exc.strerror})") from None


def resolve_artifact(path, root=None):
    """The absolute path of the artifact directory ``path``, symlinks resolved.

    With ``root`` (the models folder) only a directory inside it is accepted, wherever its
    symlinks lead: ``models/current`` -> ``models/20261127-1015`` is, ``/tmp/x`` or a link
    out of ``root`` is not.

    Raises
    ------
    ArtifactError
        The path does not exist, is unusable (a symlink loop, a NUL byte, too long) or is
        outside ``root``; the message is one line.
    """
    shown = str(path) if str(path).isprintable() else repr(str(path))
    try:
        resolved = Path(path).expanduser().resolve(strict=True)
        inside = root is None or resolved.is_relative_to(Path(root).resolve())
    except FileNotFoundError:
        raise ArtifactError(f"{shown}: no model artifact here (not a directory)") from None
    except RuntimeError:  # Python 3.11 reports a symlink loop so
        raise ArtifactError(f"{shown}: not a usable path: symlink loop") from None
    except (OSError, ValueError) as exc:  # ELOOP, a name too long, a NUL byte
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ArtifactError(f"{shown}: not a usable path: {reason}") from None
    if not inside:
        raise ArtifactError(f"{shown}: outside the models folder {Path(root).resolve()}; "
                            "artifacts are loaded from there only")
    return resolved


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
    path = resolve_artifact(path)
    manifest = read_manifest(path)
    try:
        pipeline_file = path / PIPELINE_FILE
        expected = manifest["files"][PIPELINE_FILE]
        if pipeline_file.is_symlink() or not pipeline_file.is_file():
            # save_model writes a file, never a link that could lead anywhere.
            raise ArtifactError(f"{pipeline_file}: missing (or not a plain file)")
        data = pipeline_file.read_bytes()  # hashed and unpickled from the same bytes
        if hashlib.sha256(data).hexdigest() != expected:
            raise ArtifactError(f"{pipeline_file}: truncated or corrupt (checksum mismatch)")
        pipeline = _unpickle(data, pipeline_file)
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


# The globals a pipeline written by save_model refers to, beyond estimator classes: NumPy
# arrays and scalars (both module paths: NumPy 2 moved numpy.core to numpy._core), plain
# containers, and the library's thresholds.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "slice"),
    ("builtins", "complex"), ("builtins", "bytearray"), ("collections", "OrderedDict"),
    ("nlu.model.fallback", "Thresholds"),
}
# Packages whose classes may be named, if they are estimators (or sparse matrices).
_ESTIMATOR_PACKAGES = ("sklearn.", "nlu.model.")


class _Refused(pickle.UnpicklingError):
    """A pickle names what save_model never writes."""


class _PipelineUnpickler(pickle.Unpickler):
    """Builds only what :func:`save_model` writes; any other global stops the load.

    Modules are imported only under the packages above: importing a module another
    pickle names could run its code, as calling its functions would.
    """

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        found = None
        if module.startswith(_ESTIMATOR_PACKAGES + ("scipy.sparse.",)) or module == "numpy":
            try:
                found = getattr(importlib.import_module(module), name, None)
            except ImportError:
                found = None
        if isinstance(found, type) and _is_allowed_class(found, module):
            return found
        raise _Refused(f"it refers to {module}.{name}, which nlu never writes into a "
                       "model; refusing to load it")


def _is_allowed_class(cls, module):
    import numpy as np
    import scipy.sparse
    from sklearn.base import BaseEstimator

    if module == "numpy":
        return issubclass(cls, np.generic)  # a scalar type (numpy.float64)
    if module.startswith("scipy.sparse."):
        return issubclass(cls, (scipy.sparse.spmatrix, scipy.sparse.sparray))
    return issubclass(cls, BaseEstimator)


def _unpickle(data, where):
    try:
        return _PipelineUnpickler(io.BytesIO(data)).load()
    except _Refused as exc:
        raise ArtifactError(f"{where}: not loaded: {exc}") from None
    except Exception as exc:  # unpickling a damaged file raises many types
        raise ArtifactError(f"{where}: corrupt, cannot be loaded: "
                            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                            ) from None


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
