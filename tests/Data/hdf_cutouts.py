"""Isolated-galaxy cutouts from the Hubble Deep Field image that Debian's python3-skimage ships.

    /usr/bin/python3.11 tests/Data/hdf_cutouts.py --out data/hdf-left/hdf-left.npy            # development half
    /usr/bin/python3.11 tests/Data/hdf_cutouts.py --half right --out data/hdf-right/hdf-right.npy  # held back

skimage.data.hubble_deep_field() is an RGB composite (872 x 1000): it is converted to grey, the background
(median) is subtracted, sources are found as local maxima 10 robust sigmas above it (sigma = 1.4826 MAD of the
half), and a source is kept when its size x size cutout (peak on pixel (size - 1) // 2) lies inside the half, its
peak is the cutout's brightest pixel, and no other 5-sigma maximum farther than 4 px from the centre is brighter
than 10 % of the peak (isolated). Cutouts are max-normalised and saved as one float32 stack [N x size x size].

Develop on the left half (columns < 500) only; the right half is held back for the final measurement (issue 11).
Then: scorebatch inject --input DIR --out EVAL; scorebatch score ... --input EVAL; scorebatch evaluate ...
"""
import argparse

import numpy as np
import skimage.color
import skimage.data
import skimage.feature

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", required=True, help="output .npy file (a stack [N x size x size])")
parser.add_argument("--half", choices=["left", "right"], default="left", help="columns < 500 (left) or >= 500 (right)")
parser.add_argument("--size", type=int, default=32, help="cutout side in pixels (default 32)")
parser.add_argument("--detect", type=float, default=10.0, help="detection threshold in robust sigmas (default 10)")
parser.add_argument("--isolation", type=float, default=0.1, help="largest neighbour peak as a fraction of the source's (default 0.1)")
args = parser.parse_args()

grey = skimage.color.rgb2gray(skimage.data.hubble_deep_field()).astype(np.float64)
half = grey[:, :500] if args.half == "left" else grey[:, 500:]
background = np.median(half)
sigma = 1.4826 * np.median(np.abs(half - background))
image = half - background
faint = skimage.feature.peak_local_max(image, min_distance=3, threshold_abs=5 * sigma)
sources = skimage.feature.peak_local_max(image, min_distance=8, threshold_abs=args.detect * sigma)
size, c = args.size, (args.size - 1) // 2
cutouts = []
for r, col in sources:
    r0, c0 = r - c, col - c
    if r0 < 0 or c0 < 0 or r0 + size > image.shape[0] or c0 + size > image.shape[1]:
        continue
    neighbours = [image[pr, pc] for pr, pc in faint
                  if r0 <= pr < r0 + size and c0 <= pc < c0 + size and max(abs(pr - r), abs(pc - col)) > 4]
    if any(v > args.isolation * image[r, col] for v in neighbours):
        continue
    cut = image[r0:r0 + size, c0:c0 + size]
    if cut.argmax() != c * size + c:
        continue
    cutouts.append((cut / cut.max()).astype(np.float32))
stack = np.stack(cutouts)
np.save(args.out, stack)
print(f"{args.half} half: {len(sources)} sources, {len(cutouts)} isolated {size}x{size} cutouts -> {args.out} "
      f"(background sigma {sigma:.4g} of the grey image)")
