#!/usr/bin/python3.11
"""Evaluation sets for artifact detection from hdf_cutouts.py's output (docs/anomaly.md, "What was measured").

Usage: hdf_eval_sets.py --cutouts DIR --out DIR [--scorebatch PATH] [--draws 4]
For each split of DIR/hdf_left.csv ('tuning', 'heldout'), writes OUT/<split>/refs.npy (the clean cutouts: the
calibration references of the other split), OUT/<split>/eval/clean8.npy (each clean cutout in its 8 rotations and
reflections: the negatives), OUT/<split>/eval/{ring,companion}<d>.npy (draw d of `scorebatch inject` on refs.npy,
seed 1 + 7919 d: the positives) and OUT/<split>/labels.csv (id,label,kind for `scorebatch evaluate`).
"""
import argparse
import csv
import os
import subprocess

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cutouts", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scorebatch", default="scorebatch")
    ap.add_argument("--draws", type=int, default=4)
    a = ap.parse_args()
    meta = list(csv.DictReader(open(os.path.join(a.cutouts, "hdf_left.csv"))))
    cutouts = np.load(os.path.join(a.cutouts, "hdf_left.npy"))
    for split in ["tuning", "heldout"]:
        idx = [int(m["index"]) for m in meta if m["split"] == split]
        root = os.path.join(a.out, split)
        ev = os.path.join(root, "eval")
        os.makedirs(ev, exist_ok=True)
        np.save(os.path.join(root, "refs.npy"), cutouts[idx])
        rows = []
        oriented = np.stack([np.rot90(f, k) for im in cutouts[idx] for f in (im, im.T) for k in range(4)]).astype(np.float32)
        np.save(os.path.join(ev, "clean8.npy"), oriented)
        rows += [(f"clean8.npy#{i}", 0, "none") for i in range(len(oriented))]
        for d in range(a.draws):
            injected = os.path.join(root, f"inject{d}")
            if not os.path.exists(injected):
                subprocess.run([a.scorebatch, "inject", "--input", os.path.join(root, "refs.npy"), "--out", injected,
                                "--seed", str(1 + 7919 * d)], check=True, capture_output=True)
            for kind in ["ring", "companion"]:
                arr = np.stack([np.load(os.path.join(injected, kind, f"refs_{i}.npy")).reshape(cutouts.shape[1:])
                                for i in range(len(idx))]).astype(np.float32)
                np.save(os.path.join(ev, f"{kind}{d}.npy"), arr)
                rows += [(f"{kind}{d}.npy#{i}", 1, kind) for i in range(len(arr))]
        with open(os.path.join(root, "labels.csv"), "w") as f:
            f.write("id,label,kind\n")
            f.writelines(f"{i},{l},{k}\n" for i, l, k in rows)
        print(f"{split}: {len(idx)} clean cutouts, {len(rows)} labelled rows")


if __name__ == "__main__":
    main()
