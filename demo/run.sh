#!/usr/bin/env bash
# End-to-end demo: version a Keras model with tvc on an embedded local store.
# Run through `make demo`, which sets up the virtualenv and puts `tvc` on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${DEMO_DIR:-$here/../demo-work}"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step tvc init
acc=$(python "$here/train.py" base models/net.keras)
step tvc commit models/net.keras -m "baseline" -p epochs=2 -p lr=0.001 --metric val_accuracy="$acc" --tag v1
acc=$(python "$here/train.py" finetune-head models/net.keras)
step tvc commit models/net.keras -m "fine-tune the head only" -p epochs=2 --metric val_accuracy="$acc" --tag v2
step tvc commit models/net.keras -m "nothing changed"
step tvc log models/net.keras
step tvc diff models/net.keras@v1 models/net.keras@v2
step tvc du
step tvc checkout models/net.keras@v1 -o restored-v1.keras
step tvc checkout models/net.keras@v1
cmp models/net.keras restored-v1.keras && echo "v1 restored byte-identical"
step tvc status
step cat models/net.keras.tvc
printf '\n\033[1m$ python: lazy read of one tensor\033[0m\n'
python - <<'PY'
import store

repo = store.Repo(".")
view = repo.open("models/net.keras@v2")
before = repo.db.objects_read
kernel = view.tensors["hidden1/kernel"]
rows = kernel[:8]
read = repo.db.objects_read - before
print(f"{kernel}: rows 0..7 {rows.shape} read from {read} of {len(view.manifest.entries[0].chunks)} chunks")
print("head/bias =", view.tensors["head/bias"].read())
PY
step tvc fsck
