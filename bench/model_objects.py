"""Live models through ``repo.commit``/``repo.load``, against joblib, skops.io and Keras' own saving.

    .venv/bin/python bench/model_objects.py               # 3 runs, writes its section of bench/RESULTS.md
    .venv/bin/python bench/model_objects.py --runs 5      # steadier medians
    .venv/bin/python bench/model_objects.py --no-write    # print the table only
    .venv/bin/python bench/model_objects.py --regenerate  # fit and train the two models again

The two models (the issue's): a RandomForestClassifier of 200 trees fitted on
50,000 x 20 synthetic rows (``make_classification``, seed 0; ~82 MB pickled), and
a Keras 3 MLP of 12.6 M float32 parameters (Input 1024 -> 3 x Dense 2048 ->
Dense 1024 -> Dense 10) trained 4 Adam steps, so its optimizer holds two slots
per weight. They are built once and cached in ``bench/work/model_objects``.

Each run, in a fresh folder: the forest is dumped with joblib (compress 0 and 3)
and skops.io and committed with ``repo.commit``, all in a spawned child process
that never imports TensorFlow (whose idle thread pools spin on the cores the
loads want); then, in this process, the MLP is saved with ``model.save`` (.keras),
dumped with joblib (compress 0 and 3) and committed. Each file and version is
loaded back, the contenders of a model taking turns in an order that rotates per
run, each from a fresh ``Repo`` object (the page cache is warm for everyone:
every file was just written). One tensor is read lazily
(``repo.open(rev).tensors[name].read()``). Loaded models are checked against the
originals once. Medians over runs; stored bytes are file sizes and the sizes of
everything under ``.tvc/objects`` after the commit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import re
import shutil
import multiprocessing
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

import joblib  # noqa: E402
import numpy as np  # noqa: E402

import store  # noqa: E402

WORK = BENCH / "work" / "model_objects"
RESULTS = BENCH / "RESULTS.md"
SECTION = "## Python model objects: repo.commit/load vs joblib, skops.io, Keras"
MB = 1e6
FOREST_TENSOR = "estimators_/0/tree_/nodes"
MLP_TENSORS = ("hidden3/kernel", "head/kernel")  # the largest weight (16.8 MB) and a small one (41 KB)


def forest() -> Any:
    path = WORK / "forest.joblib"
    if not path.is_file():
        from sklearn.datasets import make_classification
        from sklearn.ensemble import RandomForestClassifier

        x, y = make_classification(50_000, 20, n_informative=10, random_state=0)
        model = RandomForestClassifier(200, n_jobs=2, random_state=0).fit(x, y)
        joblib.dump(model, path)
    return joblib.load(path)


def mlp() -> Any:
    import keras

    path = WORK / "mlp.keras"
    if not path.is_file():
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((1024,)),
                *(keras.layers.Dense(2048, activation="relu", name=f"hidden{i}") for i in (1, 2, 3)),
                keras.layers.Dense(1024, activation="relu", name="neck"),
                keras.layers.Dense(10, name="head"),
            ]
        )
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        rng = np.random.default_rng(0)
        model.fit(rng.standard_normal((256, 1024)).astype("float32"), rng.integers(0, 10, 256), batch_size=64, epochs=1, verbose=0)
        model.save(path)
    return keras.models.load_model(path)


def clock(fn: Callable[[], Any]) -> tuple[float, Any]:
    return clock_cpu(fn)[::2]


def clock_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds of the whole process (every thread), and the result."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - start, time.process_time() - cpu, value


def tvc_stored(root: Path) -> int:
    return sum(p.stat().st_size for p in (root / ".tvc" / "objects").rglob("*") if p.is_file())


def skops_load(path: Path) -> Any:
    import skops.io

    return skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))


def parallelism() -> float:
    """How many cores this run really had: speed-up of 2 threads over 1 on GIL-free work (BLAKE3)."""
    import blake3
    from concurrent.futures import ThreadPoolExecutor

    data = np.random.default_rng(0).integers(0, 255, 32 << 20, dtype=np.uint8)

    def work(_: int) -> None:
        blake3.blake3(data, max_threads=1).digest()

    one = clock(lambda: [work(i) for i in range(4)])[0]
    with ThreadPoolExecutor(2) as pool:
        two = clock(lambda: list(pool.map(work, range(4))))[0]
    return one / two


def measure(run: int, folder: Path, model: Any, saves: dict[str, tuple[Path, Callable[[], Any]]], loads: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Save with every contender, commit with tvc, then load back in an order rotating per run."""
    name = next(iter(saves)).split("/")[0]
    out: dict[str, float] = {f"{name}/parallelism": parallelism()}
    for key, (path, save) in saves.items():
        out[f"{key}/save"] = clock(save)[0]
        out[f"{key}/bytes"] = path.stat().st_size
    repo = store.Repo.init(folder / f"tvc-{name}")
    out[f"{name}/tvc/save"] = clock(lambda: repo.commit(model, name))[0]
    out[f"{name}/tvc/bytes"] = tvc_stored(folder / f"tvc-{name}")
    order = list(loads)
    order = order[run % len(order):] + order[: run % len(order)]
    for key in order:
        out[f"{key}/load"], out[f"{key}/load_cpu"], value = clock_cpu(loads[key])
        if run == 0:
            check(key, value, model)
        del value
    return out


def forest_run(run: int) -> dict[str, float]:
    """The forest's contenders, in a process of their own: TensorFlow's idle thread pools never share its cores."""
    import skops.io

    rf = forest()
    folder = WORK / f"run{run}-forest"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files = {"rf/joblib0": folder / "rf0.joblib", "rf/joblib3": folder / "rf3.joblib", "rf/skops": folder / "rf.skops"}
    saves = {
        "rf/joblib0": (files["rf/joblib0"], lambda: joblib.dump(rf, files["rf/joblib0"], compress=0)),
        "rf/joblib3": (files["rf/joblib3"], lambda: joblib.dump(rf, files["rf/joblib3"], compress=3)),
        "rf/skops": (files["rf/skops"], lambda: skops.io.dump(rf, files["rf/skops"])),
    }
    loads = {
        "rf/joblib0": lambda: joblib.load(files["rf/joblib0"]),
        "rf/joblib3": lambda: joblib.load(files["rf/joblib3"]),
        "rf/skops": lambda: skops_load(files["rf/skops"]),
        "rf/tvc": lambda: store.Repo(folder / "tvc-rf").load("rf"),
        "rf/lazy": lambda: store.Repo(folder / "tvc-rf").open("rf").tensors[FOREST_TENSOR].read(),
    }
    try:
        return measure(run, folder, rf, saves, loads)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def mlp_run(run: int, net: Any) -> dict[str, float]:
    import keras

    folder = WORK / f"run{run}-mlp"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files = {"mlp/keras": folder / "mlp.keras", "mlp/joblib0": folder / "mlp0.joblib", "mlp/joblib3": folder / "mlp3.joblib"}
    saves = {
        "mlp/keras": (files["mlp/keras"], lambda: net.save(files["mlp/keras"])),
        "mlp/joblib0": (files["mlp/joblib0"], lambda: joblib.dump(net, files["mlp/joblib0"], compress=0)),
        "mlp/joblib3": (files["mlp/joblib3"], lambda: joblib.dump(net, files["mlp/joblib3"], compress=3)),
    }
    loads = {
        "mlp/keras": lambda: keras.models.load_model(files["mlp/keras"]),
        "mlp/joblib0": lambda: joblib.load(files["mlp/joblib0"]),
        "mlp/joblib3": lambda: joblib.load(files["mlp/joblib3"]),
        "mlp/tvc": lambda: store.Repo(folder / "tvc-mlp").load("mlp"),
        **{f"mlp/lazy:{name}": (lambda n=name: store.Repo(folder / "tvc-mlp").open("mlp").tensors[n].read()) for name in MLP_TENSORS},
    }
    try:
        return measure(run, folder, net, saves, loads)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_once(run: int, net: Any) -> dict[str, float]:
    """One run's timings (seconds) and sizes (bytes), keyed "model/what": the forest in a spawned child first."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        forest_numbers = child.submit(forest_run, run).result()
    mlp_numbers = mlp_run(run, net)
    return {**forest_numbers, **mlp_numbers}


def check(key: str, value: Any, model: Any) -> None:
    """The loaded model (or tensor) is the original's, once per contender."""
    x_rf = np.random.default_rng(1).standard_normal((200, 20))
    x_mlp = np.random.default_rng(1).standard_normal((8, 1024)).astype("float32")
    if key == "rf/lazy":
        assert value.tobytes() == model.estimators_[0].tree_.__getstate__()["nodes"].tobytes()
    elif key.startswith("rf/"):
        assert np.array_equal(value.predict_proba(x_rf), model.predict_proba(x_rf)), key
    elif key.startswith("mlp/lazy:"):
        layer = key.split(":", 1)[1].split("/")[0]
        assert np.array_equal(value, model.get_layer(layer).kernel.numpy()), key
    else:
        assert np.array_equal(value.predict(x_mlp, verbose=0), model.predict(x_mlp, verbose=0)), key


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def fmt_s(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def table(runs: list[dict[str, float]]) -> list[str]:
    rows = [
        ("RandomForest", "joblib.dump / joblib.load, compress=0", "rf/joblib0"),
        ("RandomForest", "joblib, compress=3", "rf/joblib3"),
        ("RandomForest", "skops.io.dump / skops.io.load", "rf/skops"),
        ("RandomForest", "**tvc** repo.commit / repo.load", "rf/tvc"),
        ("MLP", "model.save / keras.models.load_model (.keras)", "mlp/keras"),
        ("MLP", "joblib, compress=0", "mlp/joblib0"),
        ("MLP", "joblib, compress=3", "mlp/joblib3"),
        ("MLP", "**tvc** repo.commit / repo.load", "mlp/tvc"),
    ]
    lines = ["| model | how | save s | load s | stored MB |", "|---|---|---:|---:|---:|"]
    for model, how, key in rows:
        lines.append(f"| {model} | {how} | {fmt_s(median(runs, key + '/save'))} | {fmt_s(median(runs, key + '/load'))} | {median(runs, key + '/bytes') / MB:.1f} |")
    lines.append(f"| RandomForest | tvc lazy read of `{FOREST_TENSOR}` | | {fmt_s(median(runs, 'rf/lazy/load'))} | |")
    for name in MLP_TENSORS:
        lines.append(f"| MLP | tvc lazy read of `{name}` | | {fmt_s(median(runs, f'mlp/lazy:{name}/load'))} | |")
    return lines


def targets(runs: list[dict[str, float]]) -> list[str]:
    m = lambda key: median(runs, key)  # noqa: E731
    per_run = lambda f: ", ".join(f"{f(r):.2f}" for r in runs)  # noqa: E731
    met = lambda ok: "yes" if ok else "**no**"  # noqa: E731
    rf_load0 = m("rf/tvc/load") / m("rf/joblib0/load")
    rf_load3 = m("rf/tvc/load") / m("rf/joblib3/load")
    lazy_big = m("mlp/keras/load") / m(f"mlp/lazy:{MLP_TENSORS[0]}/load")
    lazy_small = m("mlp/keras/load") / m(f"mlp/lazy:{MLP_TENSORS[1]}/load")
    rf_bytes = m("rf/tvc/bytes") / m("rf/joblib3/bytes")
    mlp_bytes = m("mlp/tvc/bytes") / m("mlp/joblib3/bytes")
    return [
        "| target | wanted | measured (medians) | per run | met |",
        "|---|---|---:|---|:---:|",
        f"| forest load vs `joblib.load` of an uncompressed file | ≤ 1.5 × | {rf_load0:.2f} × | "
        f"{per_run(lambda r: r['rf/tvc/load'] / r['rf/joblib0/load'])} | {met(rf_load0 <= 1.5)} |",
        f"| forest load vs `joblib.load` of a compress=3 file | < 1 × | {rf_load3:.2f} × | "
        f"{per_run(lambda r: r['rf/tvc/load'] / r['rf/joblib3/load'])} | {met(rf_load3 < 1)} |",
        f"| MLP: one-tensor lazy read vs `keras.models.load_model`, largest weight ({MLP_TENSORS[0]}) | ≥ 50 × faster | {lazy_big:.0f} × | "
        f"{per_run(lambda r: r['mlp/keras/load'] / r[f'mlp/lazy:{MLP_TENSORS[0]}/load'])} | {met(lazy_big >= 50)} |",
        f"| MLP: one-tensor lazy read vs `keras.models.load_model`, {MLP_TENSORS[1]} | ≥ 50 × faster | {lazy_small:.0f} × | "
        f"{per_run(lambda r: r['mlp/keras/load'] / r[f'mlp/lazy:{MLP_TENSORS[1]}/load'])} | {met(lazy_small >= 50)} |",
        f"| forest stored bytes vs joblib compress=3 file | < 1 × | {rf_bytes:.2f} × | deterministic | {met(rf_bytes < 1)} |",
        f"| MLP stored bytes vs joblib compress=3 file | < 1 × | {mlp_bytes:.2f} × | deterministic | {met(mlp_bytes < 1)} |",
    ]


def notes(runs: list[dict[str, float]], net: Any) -> list[str]:
    """Why the numbers are what they are, from the same medians."""
    m = lambda key: median(runs, key)  # noqa: E731
    big = net.get_layer(MLP_TENSORS[0].split("/")[0]).kernel.numpy().nbytes
    keras_rate = m("mlp/keras/bytes") / m("mlp/keras/load") / MB
    lazy_rate = big / m(f"mlp/lazy:{MLP_TENSORS[0]}/load") / MB
    share = big / m("mlp/keras/bytes")
    needed = 50 * share * keras_rate
    return [
        f"- Lazy read of the largest weight: `{MLP_TENSORS[0]}` is {big / MB:.1f} MB, {share:.0%} of the .keras file. "
        f"`load_model` gets through the file at {keras_rate:.0f} MB/s; the lazy read fetches, decodes (byte-grouped zstd) and "
        f"BLAKE3-verifies its chunks at {lazy_rate:.0f} MB/s on 2 threads. 50 × faster than the full load would take "
        f"{needed:.0f} MB/s for these bytes, which only uncompressed chunks reach (hash plus copy); but compression saves "
        f"{1 - m('mlp/tvc/bytes') / m('mlp/keras/bytes'):.0%} on this model, and without it tvc would store more than joblib's "
        "compress=3 file, the stored-bytes target. A single tensor of a typical size (`head/kernel`, the last row) is well past 50 ×; "
        "reading some rows of a big one (`tensors[name][:k]`) fetches only the chunks holding them.",
        f"- Forest load: {m('rf/tvc/load'):.3f} s against {m('rf/joblib0/load'):.3f} s for an uncompressed joblib file, while reading "
        f"{m('rf/tvc/bytes') / MB:.1f} MB instead of {m('rf/joblib0/bytes') / MB:.1f} MB: the 200 chunks (one per tree) are decoded "
        "straight into one buffer on 2 threads and verified there, and the tree arrays are views of it until the trees copy them. "
        f"CPU time, all threads: tvc {m('rf/tvc/load_cpu'):.3f} s, joblib {m('rf/joblib0/load_cpu'):.3f} s "
        f"({m('rf/tvc/load_cpu') / m('rf/joblib0/load_cpu'):.2f} ×): zstd decoding and hashing the 81.7 MB are the extra work. "
        "That work runs on two threads, so the wall-time ratio falls well below the CPU ratio when the second core is free "
        "and does not when other jobs hold it. Per run, 2-thread speed-up measured just before → forest load ratio: "
        + ", ".join(f"{r['rf/parallelism']:.2f} → {r['rf/tvc/load'] / r['rf/joblib0/load']:.2f}" for r in runs)
        + ".",
        f"- Commit is slower than a plain dump ({m('rf/tvc/save'):.2f} s vs {m('rf/joblib0/save'):.2f} s for the forest): every chunk is "
        "hashed, compressed and written as its own object, all made durable before the ref moves, and the Keras adapter rebuilds "
        "the model once from its config to name the variables as a loaded model names them (cached per architecture).",
    ]


def source_state() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "store", "cli"], cwd=ROOT, capture_output=True, text=True).stdout
    return f"tvc at {head or '?'}" + (" with uncommitted changes in store/ or cli/" if dirty.strip() else "")


def section(runs: list[dict[str, float]], loads: list[float], argv: str, rf: Any, net: Any) -> str:
    import keras
    import skops
    import sklearn

    cores = os.cpu_count()
    lines = [
        SECTION,
        "",
        f"- Date: {dt.date.today().isoformat()}",
        f"- Machine: {cores} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"1-min load average before each run {min(loads):.1f}–{max(loads):.1f} (the machine is shared); "
        f"2 threads ran GIL-free work {min(min(r['rf/parallelism'], r['mlp/parallelism']) for r in runs):.2f}–"
        f"{max(max(r['rf/parallelism'], r['mlp/parallelism']) for r in runs):.2f} × faster than 1 (2.0 × = both cores free): "
        "tvc's loads decode on 2 threads, joblib's are single-threaded",
        f"- Command: `.venv/bin/python bench/model_objects.py {argv}`; {source_state()}",
        f"- Versions: scikit-learn {sklearn.__version__}, Keras {keras.__version__}, joblib {joblib.__version__}, skops {skops.__version__}, numpy {np.__version__}",
        f"- RandomForest: {len(rf.estimators_)} trees, 50,000 × 20 rows, {np.mean([t.tree_.node_count for t in rf.estimators_]):,.0f} nodes per tree. "
        f"MLP: {net.count_params() / 1e6:.1f} M float32 parameters, Adam state included everywhere (`model.save`, joblib, `repo.commit`'s default).",
        f"- Median of {len(runs)} runs, fresh folder and repositories each run; loads take turns in an order rotating per run; "
        "every load from a fresh `Repo`; page cache warm for all. tvc loads verify every chunk's BLAKE3; its forest load also "
        "runs the allow-list check of the pickle; skops.io loads with the types it reports trusted.",
        "",
        *table(runs),
        "",
        *targets(runs),
        "",
        *notes(runs, net),
    ]
    return "\n".join(lines) + "\n"


def write_results(text: str) -> None:
    """Replace this bench's section of bench/RESULTS.md (re-read now: others write theirs too)."""
    current = RESULTS.read_text() if RESULTS.is_file() else "# Benchmarks\n\nHow to run each bench: see bench/README.md.\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        current = pattern.sub(lambda _m: text + "\n", current)
    else:
        current = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(current.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print the tables but leave bench/RESULTS.md alone")
    parser.add_argument("--regenerate", action="store_true", help="fit and train the models again")
    args = parser.parse_args()
    if args.regenerate:
        shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    rf, net = forest(), mlp()
    runs, loads = [], []
    for run in range(args.runs):
        loads.append(os.getloadavg()[0])
        runs.append(run_once(run, net))
        print(f"run {run + 1}/{args.runs}: " + ", ".join(f"{k}={v:.3f}" for k, v in sorted(runs[-1].items()) if not k.endswith("/bytes")), flush=True)
    argv = " ".join(a for a in sys.argv[1:] if a != "--no-write")
    text = section(runs, loads, argv, rf, net)
    print(text)
    if not args.no_write:
        write_results(text)
        print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
