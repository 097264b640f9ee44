#!/usr/bin/env bash
# End-to-end demo: version a Keras model with tvc on an embedded local store.
# Run through `make demo`, which sets up the virtualenv and puts `tvc` on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${DEMO_DIR:-$here/../demo-work}"
rm -rf "$work" && mkdir -p "$work" && cd "$work" && work="$(pwd)"
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

# Sharing: this repository's .dvc/config names a local-folder remote, `demo-remote`
# (../demo-work/remote, relative to .dvc/), as DVC's default; tvc's store lives in its tvc/.
# (So a DEMO_DIR outside this repository has no default remote to push to.)
step tvc remote list
step tvc push
step tvc push                                       # nothing to send: one listing of the remote's refs
tvc checkout models/net.keras@v2 -o restored-v2.keras -q
step tvc clone "$work/remote" "$work/clone"
cd "$work/clone"
step tvc checkout models/net.keras@v2               # the chunks come from the remote on first use
cmp models/net.keras "$work/restored-v2.keras" && echo "cloned v2 byte-identical"
step cp "$work/models/net.keras.tvc" models/        # a teammate's pointer (v1), as 'git pull' brings it
step tvc pull                                       # fetches the version the pointer names, checks it out
cmp models/net.keras "$work/restored-v1.keras" && echo "pulled v1 byte-identical"
