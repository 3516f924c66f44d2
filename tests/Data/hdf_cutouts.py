#!/usr/bin/python3.11
"""Isolated-source cutouts from the Hubble Deep Field image that Debian's python3-skimage ships.

Usage: hdf_cutouts.py --out DIR [--size 32] [--half left] [--min-snr 8]
  --half right (or all) is refused unless --i-am-the-evaluator is given: the right half (columns >= 500) is the
  held-back evaluation set.

Rules (all in the grey image, skimage.color.rgb2gray of the RGB composite, values in [0, 1]):
1. Only the requested half is ever sliced out of the array (left: columns 0..499); nothing else is read.
2. Background: sigma-clipped (3 sigma, 5 iterations) median and std of the whole half, per 50x50 mesh box;
   the mesh medians are smoothed (3x3 median) and bilinearly interpolated; the background map is subtracted.
   sigma_bkg = the clipped std of the half.
3. Detection: Gaussian-smoothed (sigma 1 px) image above det-k (5) x the clipped std of the smoothed image (the
   HDF noise is correlated: smoothed std = 0.50 of the raw); 8-connected components of at least min-area (10)
   pixels are sources.  A source's position is its brightest raw pixel.  (The HDF is crowded: ~830 such sources in
   the left half, 2.5 per 36x36 box on average, so a "nothing else in the box" rule leaves ~30.)
4. Isolation: the size x size box centred on the peak (peak at row/col (size - 1) // 2 = 15, as the product centres
   cutouts) lies fully inside the half; no pixel of any other source (area >= min-area) lies within iso-radius (14 px,
   the own-footprint radius) of the peak (fainter/smaller blips and sources in the box corners may remain, as in real
   cutouts); the source's own component lies within r < 14 px (it is not cut off); peak / sigma_bkg >= min-snr (8).
5. Normalisation: cutout = (grey - background) / (its peak value), so the centre pixel is exactly 1 and it is the
   maximum of the cutout (sources whose cutout maximum is elsewhere are dropped).  The background noise stays in
   (it is what real cutouts look like); values may be slightly negative.
6. Split: 'tuning' = peak row < 436 (top half of the image), 'heldout' = row >= 436 (bottom half).
Writes DIR/hdf_<half>.npy [N x size x size] float32 and DIR/hdf_<half>.csv (index,row,col,peak,sigma_x,sigma_y,
area,split), sigma_x = background std / peak (fraction of the peak), sigma_y = sigma_x / 0.1 (the noise level in
model space y = ln(1 + x)/0.1 near the background).
"""
import argparse
import csv
import os
import sys

import numpy as np


def clipped_stats(v, k=3.0, it=5):
    v = v[np.isfinite(v)]
    for _ in range(it):
        m, s = np.median(v), v.std()
        v = v[np.abs(v - m) < k * s]
    return np.median(v), v.std()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--half", default="left", choices=["left", "right", "all"])
    ap.add_argument("--min-snr", type=float, default=8.0)
    ap.add_argument("--det-k", type=float, default=5.0)
    ap.add_argument("--min-area", type=int, default=10)
    ap.add_argument("--iso-radius", type=float, default=14.0)
    ap.add_argument("--i-am-the-evaluator", action="store_true")
    a = ap.parse_args()
    if a.half != "left" and not a.i_am_the_evaluator:
        sys.exit("refused: the right half of the HDF image is the held-back evaluation set "
                 "(pass --i-am-the-evaluator only if you are the evaluator)")
    from scipy import ndimage
    from skimage import color, data

    rgb = data.hubble_deep_field()
    cols = {"left": slice(0, 500), "right": slice(500, None), "all": slice(None)}[a.half]
    grey = color.rgb2gray(rgb[:, cols]).astype(np.float64)
    col0 = {"left": 0, "right": 500, "all": 0}[a.half]
    del rgb

    H, W = grey.shape
    box = 50
    nby, nbx = int(np.ceil(H / box)), int(np.ceil(W / box))
    mesh = np.zeros((nby, nbx))
    for i in range(nby):
        for j in range(nbx):
            mesh[i, j] = clipped_stats(grey[i * box:(i + 1) * box, j * box:(j + 1) * box].ravel())[0]
    mesh = ndimage.median_filter(mesh, size=3, mode="nearest")
    bkg = ndimage.zoom(mesh, (H / nby, W / nbx), order=1, mode="nearest")[:H, :W]
    img = grey - bkg
    _, sig = clipped_stats(img.ravel())

    sm = ndimage.gaussian_filter(img, 1.0)
    _, ssig = clipped_stats(sm.ravel())
    det = sm > a.det_k * ssig
    lab, nlab = ndimage.label(det, structure=np.ones((3, 3)))
    areas = np.bincount(lab.ravel(), minlength=nlab + 1)[1:]
    S, c = a.size, (a.size - 1) // 2
    yy, xx = np.mgrid[0:S, 0:S]
    RR = np.hypot(yy - c, xx - c)
    out, rows = [], []
    objs = ndimage.find_objects(lab)
    for k in range(1, nlab + 1):
        if areas[k - 1] < a.min_area:
            continue
        sl = objs[k - 1]
        sub = np.where(lab[sl] == k, img[sl], -np.inf)
        pi, pj = np.unravel_index(np.argmax(sub), sub.shape)
        r, q = sl[0].start + pi, sl[1].start + pj
        r0, q0 = r - c, q - c
        if r0 < 0 or q0 < 0 or r0 + S > H or q0 + S > W:
            continue
        labbox = lab[r0:r0 + S, q0:q0 + S]
        big = (labbox != 0) & (areas[np.maximum(labbox - 1, 0)] >= a.min_area)
        if (big & (labbox != k) & (RR < a.iso_radius)).any():
            continue
        if ((labbox == k) & (RR >= 14)).any() or (lab[sl] == k).sum() != (labbox == k).sum():
            continue
        peak = img[r, q]
        if peak / sig < a.min_snr:
            continue
        cut = img[r0:r0 + S, q0:q0 + S] / peak
        if np.argmax(cut) != c * S + c:
            continue
        out.append(cut.astype(np.float32))
        rows.append(dict(index=len(rows), row=r, col=q + col0, peak=peak, sigma_x=sig / peak, sigma_y=sig / peak / 0.1,
                         area=int(areas[k - 1]), split="tuning" if r < 436 else "heldout"))
    os.makedirs(a.out, exist_ok=True)
    arr = np.stack(out) if out else np.zeros((0, S, S), np.float32)
    np.save(os.path.join(a.out, f"hdf_{a.half}.npy"), arr)
    with open(os.path.join(a.out, f"hdf_{a.half}.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) if rows else ["index"])
        w.writeheader()
        w.writerows(rows)
    sy = np.array([r_["sigma_y"] for r_ in rows])
    nt = sum(r_["split"] == "tuning" for r_ in rows)
    print(f"half={a.half}: {nlab} components, {len(rows)} isolated sources ({nt} tuning, {len(rows) - nt} heldout); "
          f"sigma_bkg={sig:.4g} (grey units); sigma_y median {np.median(sy):.3f}, 10-90% {np.percentile(sy, 10):.3f}-"
          f"{np.percentile(sy, 90):.3f}")


if __name__ == "__main__":
    main()
