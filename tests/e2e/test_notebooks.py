"""The analyst notebooks: committed without outputs, and each one runs top to bottom.

The notebooks run in a kernel of this interpreter (the project's venv) against a temporary
store filled with sample predictions, reviews and feedback; 03 runs a second time against
an empty store, as on a fresh clone.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[dev]'")
nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[dev]'")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from traitlets import default  # noqa: E402

from nlu import load_dataset  # noqa: E402
from nlu.feedback.queue import ReviewQueue  # noqa: E402
from nlu.feedback.store import Store  # noqa: E402
from nlu.feedback.tables import utcnow  # noqa: E402
from nlu.model.artifacts import read_manifest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: Seconds one cell may take; training the accurate profile takes about ten.
CELL_TIMEOUT = 240

# Served predictions and what a lead decided: (text, predicted intent or None for a
# fallback, fallback reason, the lead's label or None for out of scope).
REVIEWED = [
    ("mau ganti alamat pengiriman, pesanan udah dibayar tp blm dikirim", "cancel_order", None,
     "change_shipping_address"),
    ("alamat salah tulis kecamatan, bisa diubah gak kak", "cancel_order", None,
     "change_shipping_address"),
    ("udh 4 hari ga dikirim2, batalin aja deh", "order_not_shipped", None, "cancel_order"),
    ("resi udah ada tapi statusnya ga update dari kemarin", "item_not_received", None,
     "track_order"),
    ("paketnya sampe tapi warnanya beda sama yg aku pesen", "refund_return", None,
     "damaged_or_wrong_item"),
    ("seller ga bales chat dari 3 hari", None, "low_confidence", "seller_unresponsive"),
    ("akun saya diretas, saldo tiba2 hilang", "payment_issue", None, "account_security"),
    ("voucher ongkir ga bisa dipake pas checkout", "payment_issue", None, "voucher_promo"),
    ("gimana cara daftar jadi affiliate", "voucher_promo", None, None),
    ("kapan dana refund masuk ke saldo", "refund_return", None, "refund_return"),
    ("halo min selamat siang", "greeting", None, "greeting"),
]


def _prediction_row(index, text, intent, fallback, routes):
    top = intent or "contact_cs"
    return dict(message_id=f"m{index:03d}", created_at=utcnow() - timedelta(hours=index),
                session_id=None, model_version="test", endpoint="parse", text=text, lang="id",
                intent=intent, top_intent=top, confidence=0.3 if fallback else 0.7,
                margin=0.05 if fallback else 0.4,
                ranking=[{"intent": top, "confidence": 0.7}], route=routes.get(intent),
                fallback=fallback, sample=0.5)


@pytest.fixture(scope="module")
def filled_store_url(tmp_path_factory):
    """A SQLite store with the REVIEWED predictions, their decisions and some feedback."""
    url = f"sqlite:///{tmp_path_factory.mktemp('notebook-store') / 'nlu.db'}"
    routes = load_dataset(ROOT / "data" / "intents_id.yaml").intent_routes
    store = Store(url)
    store.migrate()
    store.add_predictions([_prediction_row(i, text, intent, fallback, routes)
                           for i, (text, intent, fallback, _) in enumerate(REVIEWED)])
    queue = ReviewQueue(store, routes, routes)
    for i, (*_, label) in enumerate(REVIEWED):
        queue.decide(f"m{i:03d}", label, reviewer="lead")
    store.add_feedback("m000", "agent", correct_intent="change_shipping_address",
                       correct_route=routes["change_shipping_address"])
    store.add_feedback("m005", "customer", comment="jawabannya ga nyambung")
    store.dispose()
    return url


class ThisInterpreterKernelManager(AsyncKernelManager):
    """Starts the "python3" kernel on this interpreter (the project's venv), whatever
    kernels the user has registered elsewhere: with no kernel directory to search, the
    spec is ipykernel's own, which runs ``sys.executable``."""

    @default("kernel_spec_manager")
    def _no_kernel_dirs(self):
        return KernelSpecManager(kernel_dirs=[])


def run_notebook(path, cwd, **env):
    """Execute ``path`` in a kernel of this interpreter with ``cwd`` and extra ``env``."""
    notebook = nbformat.read(path, as_version=4)
    # Inline figures, whatever backend the tests run with.
    environment = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT,
                                     kernel_manager_class=ThisInterpreterKernelManager,
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute(env={**environment, **env})
    return notebook


def text_of(notebook):
    """Everything the notebook printed or displayed as text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def images_in(notebook):
    return sum("image/png" in output.get("data", {})
               for cell in notebook.cells for output in cell.get("outputs", []))


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == ["01_data_overview.ipynb",
                                           "02_train_and_evaluate.ipynb",
                                           "03_misrouted_review.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [index for index, cell in enumerate(notebook.cells)
             if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} have outputs or execution counts; clear "
                       "them before committing (JupyterLab: Edit > Clear Outputs of All Cells)")


def test_notebooks_run_on_this_interpreter():
    spec = ThisInterpreterKernelManager(kernel_name="python3").kernel_spec
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()


@pytest.mark.slow
def test_data_overview():
    notebook = run_notebook(NOTEBOOK_DIR / "01_data_overview.ipynb", NOTEBOOK_DIR)
    output = text_of(notebook)
    training = load_dataset(ROOT / "data" / "intents_id.yaml")
    test = load_dataset(ROOT / "data" / "test_id.jsonl", require_examples=False)
    assert (f"training: {len(training)} examples, {len(training.intents)} intents; "
            f"test: {len(test)} examples") in output
    assert "pairs of different intents with similarity >= 0.6" in output
    assert images_in(notebook) == 2  # intents per language, message lengths


@pytest.mark.slow
def test_train_and_evaluate_saves_a_new_artifact(tmp_path):
    models = tmp_path / "models"
    # The fast profile only: the accurate one embeds every training message (minutes).
    notebook = run_notebook(NOTEBOOK_DIR / "02_train_and_evaluate.ipynb", NOTEBOOK_DIR,
                            NLU_MODELS_DIR=str(models), NLU_NOTEBOOK_PROFILES="fast")
    assert images_in(notebook) == 3  # confusion matrix, confidence histograms, sweep
    [artifact] = models.iterdir()
    manifest = read_manifest(artifact)
    assert manifest["profile"] == "fast"
    real = ROOT.parent / "shared" / "benchmarks" / "real_reviews_dev" / "dev.jsonl"
    if real.is_file():
        assert "out_of_scope_recall" in text_of(notebook)
    else:
        assert "is not here: no real-text figures" in text_of(notebook)
    assert f"saved {artifact} with thresholds" in text_of(notebook)
    chosen = float(text_of(notebook).split("chosen: ")[1].split()[0])
    assert manifest["thresholds"]["threshold"] == chosen
    test = load_dataset(ROOT / "data" / "test_id.jsonl", require_examples=False)
    assert f"scored {len(test)} messages with {artifact.name}" in text_of(notebook)


@pytest.mark.slow
def test_misrouted_review_with_reviews_retrains_and_compares(filled_store_url):
    notebook = run_notebook(NOTEBOOK_DIR / "03_misrouted_review.ipynb", NOTEBOOK_DIR,
                            NLU_DATABASE_URL=filled_store_url)
    output = text_of(notebook)
    assert f"{len(REVIEWED)} reviewed messages, 2 feedback records" in output
    assert "Nothing reviewed yet" not in output
    assert "cancel_order" in output and "change_shipping_address" in output  # top pair
    assert f"(+{len(REVIEWED)} reviewed)" in output
    assert "in_scope_accuracy" in output  # the side-by-side comparison
    assert images_in(notebook) == 1  # old and new confusion matrices


@pytest.mark.slow
def test_misrouted_review_on_an_empty_store_from_the_repo_root(tmp_path):
    notebook = run_notebook(NOTEBOOK_DIR / "03_misrouted_review.ipynb", ROOT,
                            NLU_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    output = text_of(notebook)
    assert "0 reviewed messages, 0 feedback records" in output
    assert "Nothing reviewed yet" in output
    assert "skipping the retraining comparison" in output
    assert images_in(notebook) == 0
