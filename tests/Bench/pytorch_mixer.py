#!/usr/bin/python3.11
"""The ScoreBatch mixer in PyTorch eager, timed like tests/Bench/Program.cs, for a side-by-side comparison.

Same network (SCIENCE.md 1.1), same workloads (scoring forward at t = 0.02 under inference mode; a training step
= stratified times, VP noising, s²-weighted DSM loss, backward, AdaBelief), same FLOP count, and the same glibc
malloc tuning, applied here with GLIBC_TUNABLES (glibc reads it at process start, so the script re-executes itself
once with it set unless --no-malloc-tuning is given).

Run with Debian's python3-torch: /usr/bin/python3.11 tests/Bench/pytorch_mixer.py [--seconds 5] [--sizes 32,64]
"""
import argparse
import math
import os
import resource
import sys
import time

# Same values as Jobs/Runtime/NativeMemoryTuning.cs: mmap threshold 1 GiB, trim threshold 1 GiB, top pad 64 MiB.
TUNABLES = "glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824:glibc.malloc.top_pad=67108864"

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--seconds", type=float, default=5.0)
parser.add_argument("--score-batch", type=int, default=128)
parser.add_argument("--train-batch", type=int, default=64)
parser.add_argument("--sizes", default="32,64")
parser.add_argument("--no-malloc-tuning", action="store_true")
args = parser.parse_args()
if not args.no_malloc_tuning and os.environ.get("GLIBC_TUNABLES") != TUNABLES:
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, GLIBC_TUNABLES=TUNABLES))

import torch  # noqa: E402  (after the re-exec, so the allocator settings apply to torch's buffers too)
from torch import nn  # noqa: E402


class MixerBlock(nn.Module):
    def __init__(self, width, tokens, token_hidden, channel_hidden):
        super().__init__()
        self.token_mlp = nn.ModuleList([nn.Linear(tokens, token_hidden), nn.Linear(token_hidden, tokens)])
        self.channel_mlp = nn.ModuleList([nn.Linear(width, channel_hidden), nn.Linear(channel_hidden, width)])
        self.norm1 = nn.LayerNorm([width, tokens])
        self.norm2 = nn.LayerNorm([tokens, width])

    def forward(self, z):  # [N x C x P]
        z = z + self.token_mlp[1](torch.relu(self.token_mlp[0](self.norm1(z))))
        zt = z.transpose(1, 2)  # [N x P x C]
        zt = zt + self.channel_mlp[1](torch.relu(self.channel_mlp[0](self.norm2(zt))))
        return zt.transpose(1, 2)


class Mixer(nn.Module):
    def __init__(self, size, patch=4, width=64, token_hidden=512, channel_hidden=512, blocks=4, t1=10.0):
        super().__init__()
        self.size, self.width, self.side, self.t1 = size, width, size // patch, t1
        tokens = self.side ** 2
        self.conv_in = nn.Conv2d(2, width, patch, stride=patch)
        self.conv_out = nn.ConvTranspose2d(width, 1, patch, stride=patch)
        self.blocks = nn.ModuleList([MixerBlock(width, tokens, token_hidden, channel_hidden) for _ in range(blocks)])
        self.norm = nn.LayerNorm([width, tokens])

    def forward(self, y, t):  # y [N x 1 x H x W], t [N]
        n = y.shape[0]
        plane = (t / self.t1).view(n, 1, 1, 1).expand(n, 1, self.size, self.size)
        z = self.conv_in(torch.cat([y, plane], 1)).flatten(2)
        for block in self.blocks:
            z = block(z)
        return self.conv_out(self.norm(z).view(n, self.width, self.side, self.side))


def forward_flops(size, patch=4, width=64, hidden=512, blocks=4):
    """Matmul FLOPs per image, forward; the same count as tests/Bench/MixerFlops.cs."""
    p, k2 = (size // patch) ** 2, patch * patch
    return 2 * (p * width * 2 * k2 + blocks * (2 * width * p * hidden + 2 * p * width * hidden) + p * width * k2)


class AdaBelief:
    """Same update as Jobs/Training/AdaBelief.cs (lr 3e-4, betas 0.9/0.999, eps 1e-16)."""

    def __init__(self, params, lr=3e-4, b1=0.9, b2=0.999, eps=1e-16):
        self.params, self.lr, self.b1, self.b2, self.eps, self.step_count = list(params), lr, b1, b2, eps, 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.s = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        self.step_count += 1
        c1, c2 = 1 - self.b1 ** self.step_count, 1 - self.b2 ** self.step_count
        for p, m, s in zip(self.params, self.m, self.s):
            g = p.grad
            m.mul_(self.b1).add_(g, alpha=1 - self.b1)
            d = g - m
            s.mul_(self.b2).addcmul_(d, d, value=1 - self.b2).add_(self.eps)
            p.addcdiv_(m, s.sqrt().mul_(1 / math.sqrt(c2)).add_(self.eps), value=-self.lr / c1)

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def counters():
    """(process CPU seconds, minor page faults): steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_minflt


def sample(images, batches, wall, before):
    cpu, faults = counters()
    return images / wall, images / (cpu - before[0]), (faults - before[1]) / max(batches, 1)


def matmul_gflops(n, seconds):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    start, iterations = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        a @ b
        iterations += 1
    return 2 * n ** 3 * iterations / (time.perf_counter() - start) / 1e9


def scoring(size, batch, seconds):
    torch.manual_seed(0)
    model = Mixer(size).eval()
    y, t = torch.randn(batch, 1, size, size), torch.full((batch,), 0.02)
    with torch.inference_mode():
        for _ in range(3):
            model(y, t)
        before, start, batches = counters(), time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            model(y, t)
            batches += 1
        return sample(batches * batch, batches, time.perf_counter() - start, before)


def training(size, batch, seconds, warmup=3):
    torch.manual_seed(0)
    model = Mixer(size)
    opt = AdaBelief(model.parameters())
    data = torch.rand(max(4 * batch, 512), 1, size, size)
    order, offset = torch.randperm(data.shape[0]), 0

    def step():
        nonlocal order, offset
        if offset + batch > data.shape[0]:
            order, offset = torch.randperm(data.shape[0]), 0
        y0 = data[order[offset:offset + batch]]
        offset += batch
        t = ((torch.arange(batch, dtype=torch.float64) + torch.rand(batch, dtype=torch.float64)) * (10.0 / batch)).float()
        a = torch.exp(-0.5 * t.double()).float().view(-1, 1, 1, 1)
        s = torch.sqrt(torch.clamp(-torch.expm1(-t.double()), min=1e-5)).float().view(-1, 1, 1, 1)
        z = torch.randn_like(y0)
        loss = ((s * model(a * y0 + s * z, t) + z) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    before, start, steps = counters(), time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    return sample(steps * batch, steps, time.perf_counter() - start, before)


def main():
    torch.set_num_threads(os.cpu_count())
    print(f"PyTorch {torch.__version__} eager benchmark (CPU)")
    print(f"threads {torch.get_num_threads()}, GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '(unset)')}, "
          f"{args.seconds} s per figure")
    peak = matmul_gflops(2048, args.seconds)
    print(f"fp32 matmul 2048³: {peak:.1f} GFLOP/s (practical peak)\n")
    print("| size | workload | batch | images/s | MFLOP/image | GFLOP/s | % of matmul peak | images/CPU-s | minor faults/batch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        for workload, batch, (rate, per_cpu, faults), flops in (
            ("score", args.score_batch, scoring(size, args.score_batch, args.seconds), forward_flops(size)),
            ("train", args.train_batch, training(size, args.train_batch, args.seconds), 3 * forward_flops(size)),
        ):
            gflops = rate * flops / 1e9
            print(f"| {size}² | {workload} | {batch} | {rate:.1f} | {flops / 1e6:.1f} | {gflops:.1f} | {100 * gflops / peak:.0f} % "
                  f"| {per_cpu:.1f} | {faults:.0f} |")


if __name__ == "__main__":
    main()
