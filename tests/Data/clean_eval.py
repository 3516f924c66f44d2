#!/usr/bin/python3.11
"""Clean acceptance on noisy synthetic galaxies (README, "Sampling, likelihood, cleaning"; issue 12's check).

Usage: clean_eval.py --model MODEL.ckpt --work DIR [--scorebatch PATH] [--count 100] [--mask auto|none] [--weight 1]
Writes DIR/pairs (`synth --pairs --snr 10:1000`: each galaxy clean and with a ring or companion, one noise
realisation per pair) and DIR/truth (the same galaxies without noise: synth's noise stream is separate), cleans
pairs/twins and pairs/clean with `scorebatch clean`, and prints per kind: the fraction of the injected flux removed
(over the pixels where the noise-free artifact exceeds 1 % of its peak: 1 - (cleaned twin - noisy clean) / artifact),
the galaxy's own flux change (where the noise-free galaxy exceeds 5 % of its peak, off the artifact), and for the
clean cutouts the rms error of the cleaned image against the noise-free galaxy in units of max(sigma, 0.01).
"""
import argparse
import csv
import os
import subprocess

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--scorebatch", default="scorebatch")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--mask", default="auto")
    ap.add_argument("--weight", default="1")
    a = ap.parse_args()
    sb, w = a.scorebatch, a.work
    run = lambda *args: subprocess.run([sb, *args], check=True, capture_output=True)
    if not os.path.exists(os.path.join(w, "pairs", "labels.csv")):
        run("synth", "--out", os.path.join(w, "pairs"), "--count", str(a.count), "--size", "32", "--seed", "3", "--snr", "10:1000",
            "--pairs", "--artifacts", "ring,companion")
        run("synth", "--out", os.path.join(w, "truth"), "--count", str(a.count), "--size", "32", "--seed", "3", "--pairs",
            "--artifacts", "ring,companion")
    tag = f"{a.mask}-w{a.weight}"
    for part in ["twins", "clean"]:
        run("clean", "--model", a.model, "--input", os.path.join(w, "pairs", part), "--out", os.path.join(w, f"{part}-{tag}"),
            "--mask", a.mask, "--weight", a.weight, "--animations", "0", "--overwrite")
    kinds = {r["id"]: r["kind"] for r in csv.DictReader(open(os.path.join(w, "pairs", "labels.csv")))}
    removed, changed, errors = {"ring": [], "companion": []}, {"ring": [], "companion": []}, []
    load = lambda *p: np.load(os.path.join(w, *p)).astype(np.float64)
    for i in range(a.count):
        n = f"galaxy-{i:06d}.npy"
        clean, twin = load("pairs", "clean", n), load("pairs", "twins", n)
        g0, t0 = load("truth", "clean", n), load("truth", "twins", n)
        cleaned_twin, cleaned_clean = load(f"twins-{tag}", "cleaned", n), load(f"clean-{tag}", "cleaned", n)
        artifact = t0 - g0
        support = artifact > 0.01 * artifact.max()
        footprint = (g0 > 0.05 * g0.max()) & ~support
        kind = kinds[f"twins/{n}"]
        removed[kind].append(1 - (cleaned_twin - clean)[support].sum() / artifact[support].sum())
        changed[kind].append(abs(cleaned_twin[footprint].sum() - clean[footprint].sum()) / clean[footprint].sum())
        errors.append(np.sqrt(((cleaned_clean - g0) ** 2).mean()) / max((clean - g0).std(), 0.01))
    for kind in removed:
        r, c = np.array(removed[kind]), np.array(changed[kind])
        print(f"{kind}: {len(r)} pairs; injected flux removed median {np.median(r):.2f}, >= 80 % in {np.mean(r >= 0.8):.0%}; "
              f"galaxy flux change median {np.median(c):.1%}, <= 5 % in {np.mean(c <= 0.05):.0%}")
    e = np.array(errors)
    print(f"clean cutouts: rms error against the noise-free galaxy / max(sigma, 0.01): median {np.median(e):.2f}, < 1 in {np.mean(e < 1):.0%}")


if __name__ == "__main__":
    main()
