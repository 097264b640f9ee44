"""Why `tvc commit` of a 200 MB Keras file takes what it takes: what-if timings.

    .venv/bin/python bench/commit_whatif.py            # 5 rounds (~4 min), writes bench/RESULTS.md
    .venv/bin/python bench/commit_whatif.py --runs 9 --no-write

A diagnostic, not a benchmark of shipped behaviour: it commits v1 of the
``keras_history.py`` model (generated there if missing) into fresh repositories
through ``Repo.commit``, once as the code is and once per variant with one part of
the pipeline patched out or swapped *in this process only* (no store code changes):

* no directory fsync / no fsync at all / no per-object fsync but one ``sync`` at
  the end (durable, like a single ``syncfs`` before the ref moves);
* zstd level 1 instead of 3 / no compression at all;
* blake3 single-threaded per chunk (the pool already has a thread per core);
* the per-tensor blake3 pass skipped;
* the three cheap changes together (zstd 1, single-threaded blake3, one sync).

Variants take turns within each round, so a slow spell hits all of them. A second
table splits a re-commit of the unchanged file into interpreter start-up, imports,
the whole-file hash and the rest. Medians; the machine is noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import keras_history as kh  # noqa: E402  (sets KERAS_BACKEND / TF_CPP_MIN_LOG_LEVEL, imports no TensorFlow)

SECTION = "## Keras model history: where `tvc commit` time goes (what-if)"
WORK = kh.WORK / "whatif"
DEFAULT_RUNS = 5


@contextmanager
def patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def variants() -> dict[str, Callable[[ExitStack, Any], bool]]:
    """name -> setup(stack, repo) that patches what it needs; returns True to time a final sync too."""
    import store.backend.local as local
    import store.ingest as ingest
    import store.objects.db as db
    import store.objects.hashing as hashing
    from store.codecs.base import Raw
    from store.objects import TensorRecord

    def as_is(stack: ExitStack, repo: Any) -> bool:
        return False

    def no_dir_fsync(stack: ExitStack, repo: Any) -> bool:
        stack.enter_context(patched(local, "fsync_dir", lambda path: None))
        return False

    def no_fsync(stack: ExitStack, repo: Any) -> bool:
        no_dir_fsync(stack, repo)
        stack.enter_context(patched(os, "fsync", lambda fd: None))
        return False

    def one_sync(stack: ExitStack, repo: Any) -> bool:
        no_fsync(stack, repo)
        return True

    def zstd1(stack: ExitStack, repo: Any) -> bool:
        stack.enter_context(patched(repo.db, "level", 1))
        return False

    def raw(stack: ExitStack, repo: Any) -> bool:
        stack.enter_context(patched(db, "encode_best", lambda data, dtype=None, level=3: (Raw(), bytes(data))))
        return False

    def single_thread_blake3(stack: ExitStack, repo: Any) -> bool:
        stack.enter_context(patched(hashing, "_THREADED_FROM", 1 << 62))
        return False

    def no_tensor_hash(stack: ExitStack, repo: Any) -> bool:
        def records(data: Any, tensors: Any) -> dict[str, Any]:
            return {t.name: TensorRecord(t.dtype, t.shape, t.offset, t.nbytes, "0" * 64) for t in tensors}

        stack.enter_context(patched(ingest, "_tensor_records", records))
        return False

    def together(stack: ExitStack, repo: Any) -> bool:
        zstd1(stack, repo)
        single_thread_blake3(stack, repo)
        return one_sync(stack, repo)

    return {
        "as is (zstd-3, 2 fsyncs per object, blake3 threaded)": as_is,
        "no directory fsync": no_dir_fsync,
        "no fsync at all (not durable)": no_fsync,
        "no per-object fsync, one sync at the end (durable)": one_sync,
        "zstd level 1": zstd1,
        "no compression (raw objects)": raw,
        "blake3 single-threaded per chunk": single_thread_blake3,
        "per-tensor blake3 pass skipped": no_tensor_hash,
        "zstd-1 + single-threaded blake3 + one sync at the end": together,
    }


def commit_once(src: Path, where: Path, setup: Callable[[ExitStack, Any], bool]) -> tuple[float, int]:
    import store

    where.mkdir(parents=True)
    kh.place(src, where / kh.MODEL)
    os.sync()
    repo = store.Repo.init(where)
    with ExitStack() as stack:
        final_sync = setup(stack, repo)
        t0 = time.perf_counter()
        repo.commit(where / kh.MODEL, message="v1")
        if final_sync:
            os.sync()
        seconds = time.perf_counter() - t0
    os.sync()
    stored = kh.tree_bytes(where / ".tvc" / "objects")
    shutil.rmtree(where)
    return seconds, stored


def recommit_split(src: Path, runs: int) -> dict[str, float]:
    """A re-commit of an unchanged file, taken apart."""
    import store
    from store.objects import hash_file

    where = WORK / "recommit"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    kh.place(src, where / kh.MODEL)
    tvc = kh.tool("tvc")
    kh.run([tvc, "init"], where)
    kh.run([tvc, "commit", kh.MODEL, "-q"], where)
    os.sync()
    repo = store.Repo(where)
    py = sys.executable
    rows: dict[str, list[float]] = {k: [] for k in ("cli", "python", "imports", "api", "hash")}
    for _ in range(runs):
        rows["cli"].append(kh.timed([tvc, "commit", kh.MODEL, "-q"], where)[0])
        rows["python"].append(kh.timed([py, "-c", "pass"], where)[0])
        rows["imports"].append(kh.timed([py, "-c", "import cli.main"], where)[0])
        rows["api"].append(kh.timed_call(lambda: repo.commit(where / kh.MODEL))[0])
        rows["hash"].append(kh.timed_call(lambda: hash_file(where / kh.MODEL))[0])
    shutil.rmtree(where)
    return {k: statistics.median(v) for k, v in rows.items()}


def import_costs() -> dict[str, float]:
    """Cumulative import time (s) of the heavy modules `tvc` loads at start-up, from -X importtime."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import cli.main"], capture_output=True, text=True, cwd=kh.ROOT)
    wanted = {"numpy", "h5py", "rich.progress", "click", "yaml", "blake3", "zstandard", "store.api", "cli.main"}
    found: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() in wanted:
            try:
                found[parts[2].strip()] = int(parts[1]) / 1e6
            except ValueError:
                pass
    return found


def build_report(
    results: dict[str, list[float]], stored: dict[str, int], split: dict[str, float], imports: dict[str, float], runs: int, elapsed: float, load: list[float]
) -> str:
    names = list(results)
    best = {name: min(v) for name, v in results.items()}
    base = best[names[0]]
    lines = [
        SECTION,
        "",
        f"- Date: {dt.date.today().isoformat()}; machine: {kh.machine_note()}; {kh.source_state()}; {kh.load_note(load)}",
        f"- Command: `.venv/bin/python bench/commit_whatif.py{' --runs ' + str(runs) if runs != DEFAULT_RUNS else ''}` (about {elapsed / 60:.0f} min)",
        f"- `Repo.commit` of v1 (201.6 MB .keras) into a fresh repository, in process (no CLI start-up), {runs} rounds, "
        "variants taking turns; each variant patches one part of the pipeline in the bench process only. Other work "
        "on the machine only ever adds time, so the best of the rounds is the steadier estimate of what a variant "
        "costs; the median is shown too.",
        "",
        "| variant | best s | vs as is (best) | median s | stored |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in names:
        m = statistics.median(results[name])
        lines.append(f"| {name} | {best[name]:.2f} | {best[name] / base:.2f} × | {m:.2f} | {kh.mb(stored[name])} |")
    lines += [
        "",
        "Re-commit of the unchanged file, taken apart (median s):",
        "",
        "| part | s |",
        "|---|---:|",
        f"| `tvc commit` CLI, whole | {split['cli']:.2f} |",
        f"| `python -c pass` (interpreter start-up) | {split['python']:.2f} |",
        f"| `python -c 'import cli.main'` (start-up + imports) | {split['imports']:.2f} |",
        f"| `Repo.commit` in process | {split['api']:.2f} |",
        f"| of which the whole-file blake3 (`hash_file`) | {split['hash']:.2f} |",
        "",
        "Cumulative import times at start-up (one `-X importtime` run, s): "
        + ", ".join(f"`{k}` {v:.2f}" for k, v in sorted(imports.items(), key=lambda kv: -kv[1])),
        "",
    ]
    saving = {name: base - b for name, b in best.items()}
    n = names
    lines += [
        f"Reading (best of {runs}). Against the commit as it is "
        f"({base:.2f} s): dropping every fsync saves {saving[n[2]]:.2f} s, dropping only the directory fsyncs "
        f"{saving[n[1]]:.2f} s, and one sync at the end instead of per-object fsyncs (still durable) "
        f"{saving[n[3]]:.2f} s; zstd level 1 saves {saving[n[4]]:.2f} s (and stores "
        f"{kh.mb(stored[n[0]] - stored[n[4]])} less), storing raw {saving[n[5]]:.2f} s; single-threaded blake3 "
        f"saves {saving[n[6]]:.2f} s and skipping the per-tensor hash pass {saving[n[7]]:.2f} s; the three cheap "
        f"changes together save {saving[n[8]]:.2f} s "
        f"({best[n[8]] / base:.2f} ×). A re-commit is mostly start-up: imports take "
        f"{split['imports'] - split['python']:.2f} s of the CLI's {split['cli']:.2f} s, the whole-file hash {split['hash']:.2f} s.",
        "",
    ]
    return "\n".join(lines)


def write_section(section: str) -> None:
    text = kh.RESULTS.read_text() if kh.RESULTS.is_file() else "# Benchmarks\n\nHow to run each bench: see bench/README.md.\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    kh.RESULTS.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"rounds over all variants (default {DEFAULT_RUNS})")
    parser.add_argument("--no-write", action="store_true", help="print the tables but leave bench/RESULTS.md alone")
    args = parser.parse_args()
    t_start = time.perf_counter()
    models = kh.WORK / "models"
    kh.ensure_models(models, regenerate=False)
    src = models / "v1.keras"
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    table = variants()
    results: dict[str, list[float]] = {name: [] for name in table}
    stored: dict[str, int] = {}
    load: list[float] = []
    for i in range(args.runs):
        load.append(os.getloadavg()[0])
        names = list(table)
        names = names[i % len(names) :] + names[: i % len(names)]
        for j, name in enumerate(names):
            seconds, stored[name] = commit_once(src, WORK / f"r{i}-{j}", table[name])
            results[name].append(seconds)
        print(f"round {i + 1}/{args.runs}: " + ", ".join(f"{results[n][-1]:.2f}" for n in table), flush=True)
    split = recommit_split(src, max(args.runs, 5))
    report = build_report(results, stored, split, import_costs(), args.runs, time.perf_counter() - t_start, load)
    shutil.rmtree(WORK, ignore_errors=True)
    print()
    print(report)
    if not args.no_write:
        write_section(report)
        print(f"wrote {kh.RESULTS.relative_to(kh.ROOT)}")


if __name__ == "__main__":
    main()
