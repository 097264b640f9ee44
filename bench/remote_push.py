"""``tvc push``/``pull`` against ``dvc push``/``pull`` on one S3 server, with the five-version Keras history.

    .venv/bin/python bench/remote_push.py              # 3 runs (~5 min), writes bench/RESULTS.md
    .venv/bin/python bench/remote_push.py --runs 1 --no-write

The history is keras_history.py's (same files, generated once into
``bench/work/keras_history/models``): v1 base, v2 head-only fine-tune, v3 last two
layers, v4 every layer, v5 = v4 committed again (so its push has nothing to send).

Each run starts moto's S3 server on loopback in this process (the tools run as
subprocesses, as users run them) with a layer that counts every request and its
body bytes on the server side. Two no-git DVC projects get one remote each, set up
the DVC way (``dvc remote add -d`` + ``dvc remote modify endpointurl``): one for
tvc (whose store is ``<url>/tvc``), one for DVC. Per version, each tool records it
(``tvc commit`` / ``dvc add``, untimed) and pushes it (timed; who goes first
alternates). Then each tool pulls the latest version into a fresh folder holding
only ``.dvc/config`` and the pointer file (what ``git clone`` gives), and the bytes
are checked; tvc's lazy ``clone`` + ``checkout`` is timed too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT / "tests" / "remotes")]

import keras_history  # noqa: E402  (the model files and their generator)
from s3_server import CountingMotoServer, Request  # noqa: E402  (the counting server the tests use)

WORK = BENCH / "work" / "remote_push"
RESULTS = BENCH / "RESULTS.md"
SECTION = "## Remote push and pull: tvc vs dvc on S3 (moto)"
MODEL = keras_history.MODEL
BUCKET = "bench"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}

TARGET_INCREMENTAL_RATIO = 0.1  # tvc bytes <= 0.1 x dvc's for a head-only fine-tune
TARGET_NOOP_SECONDS = 1.0
TARGET_FIRST_PUSH = 1.0  # tvc first push time <= dvc's


def tool(name: str) -> str:
    return keras_history.tool(name)


def run(args: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}) in {cwd}:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def measured(server: CountingMotoServer, args: Sequence[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Wall time of one command, and what the server saw meanwhile: requests, bytes up, bytes down."""
    mark = server.log.mark()
    t0 = time.perf_counter()
    run(args, cwd, env)
    seconds = time.perf_counter() - t0
    os.sync()
    requests: list[Request] = server.log.since(mark)
    return {
        "seconds": seconds,
        "requests": len(requests),
        "up": sum(r.received for r in requests),
        "down": sum(r.sent for r in requests if r.method == "GET"),
        "puts": sum(1 for r in requests if r.method in ("PUT", "POST")),
    }


def project(folder: Path, url: str, endpoint: str, env: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    dvc = tool("dvc")
    run([dvc, "init", "--no-scm", "-q"], folder, env)
    run([dvc, "remote", "add", "-d", "store", url], folder, env)
    run([dvc, "remote", "modify", "store", "endpointurl", endpoint], folder, env)


def fresh_checkout(source: Path, dest: Path, pointer: str) -> None:
    """What ``git clone`` of the project gives: its DVC config and the pointer file."""
    (dest / ".dvc").mkdir(parents=True)
    shutil.copyfile(source / ".dvc" / "config", dest / ".dvc" / "config")
    (dest / pointer).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / pointer, dest / pointer)


def noop_in_process(server: CountingMotoServer, folder: Path) -> dict[str, Any]:
    """``Repo.push`` with nothing to send, in this process: the push itself, without start-up and imports."""
    import store

    previous = Path.cwd()
    os.chdir(folder)
    try:
        repo = store.Repo(folder)
        repo.push()  # imports dvc's config API and s3fs once, as the CLI does every time
        mark = server.log.mark()
        t0 = time.perf_counter()
        report = repo.push()
        seconds = time.perf_counter() - t0
    finally:
        os.chdir(previous)
    assert report.objects_transferred == 0
    return {"seconds": seconds, "requests": len(server.log.since(mark)), "up": 0, "down": 0, "puts": 0}


def one_run(server: CountingMotoServer, models: Path, run_dir: Path, index: int) -> dict[str, Any]:
    import s3fs

    load = os.getloadavg()[0]
    server.reset()
    env = {**os.environ, **CREDENTIALS, "DVC_NO_ANALYTICS": "1", "AWS_ENDPOINT_URL": server.endpoint}
    s3fs.S3FileSystem(client_kwargs={"endpoint_url": server.endpoint}, skip_instance_cache=True).mkdir(BUCKET)
    tvc, dvc = tool("tvc"), tool("dvc")
    side = {"tvc": run_dir / "tvc", "dvc": run_dir / "dvc"}
    project(side["tvc"], f"s3://{BUCKET}/tvc-side", server.endpoint, env)
    project(side["dvc"], f"s3://{BUCKET}/dvc-side", server.endpoint, env)
    run([tvc, "init"], side["tvc"], env)

    pushes: list[dict[str, Any]] = []
    for step, (label, _what, file) in enumerate(keras_history.VERSIONS):
        if file is not None:
            for folder in side.values():
                keras_history.place(models / file, folder / MODEL)
        run([tvc, "commit", MODEL, "-m", label, "-q"], side["tvc"], env)
        run([dvc, "add", "-q", MODEL], side["dvc"], env)
        order = ["tvc", "dvc"] if (step + index) % 2 == 0 else ["dvc", "tvc"]
        row: dict[str, Any] = {}
        for name in order:
            command = [tvc, "push", "-q"] if name == "tvc" else [dvc, "push", "-q"]
            row[name] = measured(server, command, side[name], env)
        pushes.append(row)
    pushes[-1]["tvc in process"] = noop_in_process(server, side["tvc"])

    latest = side["tvc"] / MODEL
    pulls: dict[str, Any] = {}
    for name, pointer, command in (("tvc", f"{MODEL}.tvc", [tvc, "pull", "-q"]), ("dvc", f"{MODEL}.dvc", [dvc, "pull", "-q"])):
        dest = run_dir / f"{name}-pull"
        fresh_checkout(side[name], dest, pointer)
        pulls[name] = measured(server, command, dest, env)
        assert keras_history.file_hash(dest / MODEL) == keras_history.file_hash(latest), f"{name} pull: wrong bytes"
    clone = run_dir / "tvc-clone"
    mark = server.log.mark()
    t0 = time.perf_counter()
    run([tvc, "clone", "-q", f"s3://{BUCKET}/tvc-side", str(clone)], run_dir, env)
    run([tvc, "checkout", "-q", MODEL], clone, env)
    requests = server.log.since(mark)
    pulls["tvc clone + checkout"] = {
        "seconds": time.perf_counter() - t0,
        "requests": len(requests),
        "up": sum(r.received for r in requests),
        "down": sum(r.sent for r in requests if r.method == "GET"),
        "puts": 0,
    }
    assert keras_history.file_hash(clone / MODEL) == keras_history.file_hash(latest), "tvc clone: wrong bytes"
    startup = statistics.median(measured(server, [tvc, "--help"], run_dir, env)["seconds"] for _ in range(3))
    return {"pushes": pushes, "pulls": pulls, "startup": startup, "load": load}


def med(values: Sequence[float]) -> float:
    return statistics.median(values)


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def build_report(runs: list[dict[str, Any]], meta: dict[str, Any], minutes: float) -> tuple[str, dict[str, Any]]:
    def push(step: int, tool_name: str, key: str) -> float:
        values = [r["pushes"][step][tool_name][key] for r in runs]
        return med(values) if key == "seconds" else values[0]

    def pull(name: str, key: str) -> float:
        values = [r["pulls"][name][key] for r in runs]
        return med(values) if key == "seconds" else values[0]

    lines = [
        SECTION,
        "",
        f"- Date: {dt.date.today().isoformat()}",
        f"- Machine: {keras_history.machine_note()}",
        f"- Command: `.venv/bin/python bench/remote_push.py --runs {len(runs)}` (about {minutes:.0f} min)",
        f"- Model: keras_history.py's history (Keras {meta.get('keras', '?')}, {meta['params'] / 1e6:.1f} M parameters, "
        f"{mb(next(iter(meta['sizes'].values())))} per `.keras` file with Adam's slots).",
        "- Server: moto's S3 server on loopback, in the bench process; bytes and requests are counted there "
        "(request bodies up, GET response bodies down). Both tools reach it through a DVC remote configured with "
        "`dvc remote add -d` + `dvc remote modify endpointurl`; credentials from the environment. "
        "tvc: `tvc commit` then `tvc push` (8 objects in flight); DVC "
        f"{run([tool('dvc'), '--version'], ROOT, dict(os.environ)).strip()}: `dvc add` then `dvc push` (default jobs). "
        "Commit/add are not timed.",
        f"- Wall time: median of {len(runs)} runs, fresh server and projects each run, the tools taking turns; "
        "bytes are the same every run. 1-min load average before each run "
        f"{min(r['load'] for r in runs):.1f}–{max(r['load'] for r in runs):.1f} on 2 cores (other work shares the machine).",
        "",
        "| push of | tvc bytes up | dvc bytes up | tvc / dvc | tvc s | dvc s | tvc requests | dvc requests |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for step, (label, what, _file) in enumerate(keras_history.VERSIONS):
        t_up, d_up = push(step, "tvc", "up"), push(step, "dvc", "up")
        ratio = f"{t_up / d_up:.3f}" if d_up else "—"
        lines.append(
            f"| {label}: {what} | {mb(t_up)} | {mb(d_up)} | {ratio} | {push(step, 'tvc', 'seconds'):.2f} | "
            f"{push(step, 'dvc', 'seconds'):.2f} | {push(step, 'tvc', 'requests'):.0f} | {push(step, 'dvc', 'requests'):.0f} |"
        )
    lines += [
        "",
        "| pull of v4 into a fresh folder (`.dvc/config` + pointer) | bytes down | s | requests |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (("tvc", "`tvc pull`"), ("dvc", "`dvc pull`"), ("tvc clone + checkout", "`tvc clone` + `tvc checkout` (lazy)")):
        lines.append(f"| {label} | {mb(pull(name, 'down'))} | {pull(name, 'seconds'):.2f} | {pull(name, 'requests'):.0f} |")

    head_ratio = push(1, "tvc", "up") / push(1, "dvc", "up")
    noop = push(4, "tvc", "seconds")
    noop_api = push(4, "tvc in process", "seconds")
    startup = med([r["startup"] for r in runs])
    first = push(0, "tvc", "seconds") / push(0, "dvc", "seconds")
    met = {True: "met", False: "**missed**"}
    lines += [
        "",
        f"Targets: head-only fine-tune (v2) push bytes {head_ratio:.4f} × DVC's "
        f"(target ≤ {TARGET_INCREMENTAL_RATIO}: {met[head_ratio <= TARGET_INCREMENTAL_RATIO]}). "
        f"No-op push (v5), target < {TARGET_NOOP_SECONDS:.0f} s: `Repo.push` in process {noop_api:.3f} s with "
        f"{push(4, 'tvc in process', 'requests'):.0f} requests ({met[noop_api < TARGET_NOOP_SECONDS]}); the `tvc push` "
        f"command {noop:.2f} s ({met[noop < TARGET_NOOP_SECONDS]}), of which {startup:.2f} s is tvc's start-up "
        f"(`tvc --help`) and most of the rest importing dvc's config API, dvc-s3, s3fs and aiobotocore "
        f"(`dvc push` pays the same: {push(4, 'dvc', 'seconds'):.2f} s). First push {push(0, 'tvc', 'seconds'):.2f} s "
        f"against {push(0, 'dvc', 'seconds'):.2f} s for `dvc push` ({first:.2f} ×, target ≤ {TARGET_FIRST_PUSH:.0f}: "
        f"{met[first <= TARGET_FIRST_PUSH]}).",
        "",
        "Reading: tvc sends the chunks a version adds (the compressed tensors that changed, a manifest, a commit) "
        "and DVC the whole file each time it changes. For all-new versions (v1, v4) the two are level within this "
        "machine's noise: tvc sends 16% fewer bytes, but in ~230 requests where DVC sends 4 multipart parts, and "
        "moto spends CPU on each. A no-op push is one read of the remote's `config` and one listing of its refs, "
        "whose ETags (MD5s) show nothing moved. `tvc pull` is slower than `dvc pull` here: it verifies every object "
        "as it lands (zstd + BLAKE3), then the checkout decodes and verifies each chunk again and hashes the file, "
        "where DVC downloads four large ranges and copies them; the lazy clone fetches refs at once and the chunks "
        "at checkout. moto serves every byte from Python in the bench's own process, so seconds here are slower "
        "than on S3 and flatter between tools.",
    ]
    summary = {"head_only_ratio": head_ratio, "noop_seconds": noop, "noop_in_process_seconds": noop_api, "first_push_ratio": first}
    return "\n".join(lines) + "\n", summary


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs with a fresh server and projects each (default 3)")
    parser.add_argument("--no-write", action="store_true", help="print the table but leave bench/RESULTS.md alone")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's per-request log lines
    os.environ.update(CREDENTIALS)
    models = keras_history.WORK / "models"
    meta = keras_history.ensure_models(models, regenerate=False)
    server = CountingMotoServer()
    server.start()
    runs = []
    try:
        for index in range(args.runs):
            run_dir = WORK / "runs" / str(index)
            shutil.rmtree(run_dir, ignore_errors=True)
            run_dir.mkdir(parents=True)
            print(f"run {index + 1}/{args.runs} ...", flush=True)
            runs.append(one_run(server, models, run_dir, index))
            shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        server.stop()
    section, summary = build_report(runs, meta, (time.perf_counter() - started) / 60)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "results.json").write_text(json.dumps({"runs": runs, "summary": summary}, indent=2) + "\n")
    print(section)
    if not args.no_write:
        write_section(section)


def write_section(section: str) -> None:
    """Replace (or append) only this bench's section: other benches own the rest of the file."""
    text = RESULTS.read_text() if RESULTS.is_file() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        rest = "\n" + text[end + 1 :] if end != -1 else ""
        text = text[:start] + section + rest
    RESULTS.write_text(text.rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
