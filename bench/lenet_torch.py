#!/usr/bin/python3
"""LeNet on Fashion-MNIST in PyTorch (1.13, CPU): the yardstick of bench/lenet.ts and the
reference recipe of examples/lenet.ts.

  lenet_torch.py train [--epochs N] [--seed S] [--variant relu|d2l] [--threads T] [--dir D]
      trains like examples/lenet.ts (same model, Xavier-uniform weights, PyTorch-default biases,
      shuffled batches of 256, the last one partial) and prints one line per epoch in its format.
  lenet_torch.py serve --threads T [--dir D]
      the bench child: reads commands from stdin, one per line, and answers each with one JSON line
      on stdout: "train K" times K training steps (relu variant, batch 256, Adam 1e-3) after the
      steps it already ran; "infer" times the forward pass over the 10,000 test images in batches
      of 1000 under no_grad; both answer {"imgPerSec": wall-clock rate, "imgPerCpuSec": rate per
      second of this process's CPU time}; "quit" exits.

Images are bytes / 255 (torchvision's ToTensor), standardized for the relu variant with the
training split's pixel mean and std (Normalize(0.2860, 0.3530), as examples/lenet.ts does), read
from the gzip IDX files of the Debian package dataset-fashion-mnist
(/usr/share/datasets/fashion-mnist) or --dir.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

DEBIAN_DIR = '/usr/share/datasets/fashion-mnist'


def read_idx(path):
    with gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(directory, variant):
    def split(prefix):
        images = read_idx(os.path.join(directory, f'{prefix}-images-idx3-ubyte.gz'))
        labels = read_idx(os.path.join(directory, f'{prefix}-labels-idx1-ubyte.gz'))
        return images.astype(np.float64) / 255, torch.from_numpy(labels.astype(np.int64))
    (xt, yt), (xs, ys) = split('train'), split('t10k')
    # relu: the training split's population mean and std (sc.data.pixelStats); d2l: none.
    mean, std = (xt.mean(), xt.std()) if variant == 'relu' else (0.0, 1.0)
    def tensor(x):
        return torch.from_numpy(((x - mean) / std).astype(np.float32)).unsqueeze(1)
    return (tensor(xt), yt), (tensor(xs), ys)


def lenet(variant):
    act = nn.ReLU if variant == 'relu' else nn.Sigmoid
    pool = nn.MaxPool2d if variant == 'relu' else nn.AvgPool2d
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), act(), pool(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), act(), pool(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(400, 120), act(),
        nn.Linear(120, 84), act(),
        nn.Linear(84, 10))
    # d2l's init_cnn: Xavier-uniform weights of every Linear and Conv2d; biases keep the default.
    for m in net:
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
    return net


def optimizer(net, variant):
    if variant == 'relu':
        return torch.optim.Adam(net.parameters(), lr=1e-3)
    return torch.optim.SGD(net.parameters(), lr=0.9)


def accuracy(net, x, y):
    net.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(x), 1000):
            correct += (net(x[s:s + 1000]).argmax(1) == y[s:s + 1000]).sum().item()
    return correct / len(x)


def train(a):
    torch.manual_seed(a.seed)
    (xt, yt), (xs, ys) = load(a.dir, a.variant)
    net = lenet(a.variant)
    opt = optimizer(net, a.variant)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(a.seed)
    for epoch in range(1, a.epochs + 1):
        net.train()
        perm = torch.randperm(len(xt), generator=gen)
        loss_sum, batches, correct, seen = 0.0, 0, 0, 0
        t0 = time.perf_counter()
        for s in range(0, len(xt), 256):
            idx = perm[s:s + 256]
            x, y = xt[idx], yt[idx]
            logits = net(x)
            loss = loss_fn(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            batches += 1
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(idx)
        seconds = time.perf_counter() - t0
        acc = accuracy(net, xs, ys)
        print(f'epoch {epoch}/{a.epochs}  loss {loss_sum / batches:.4f}  train acc {correct / seen:.4f}  '
              f'test acc {acc:.4f}  {round(seen / seconds)} img/s', flush=True)


def serve(a):
    torch.manual_seed(0)
    (xt, yt), (xs, ys) = load(a.dir, 'relu')
    net = lenet('relu')
    opt = optimizer(net, 'relu')
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    perm = torch.randperm(len(xt), generator=gen)
    step = 0

    def one_step():
        nonlocal step
        s = (step * 256) % (len(xt) - 255)
        idx = perm[s:s + 256]
        x, y = xt[idx], yt[idx]
        loss = loss_fn(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        return loss.item()

    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == 'quit':
            break
        if cmd[0] == 'train':
            k = int(cmd[1])
            t0, c0 = time.perf_counter(), time.process_time()
            for _ in range(k):
                loss = one_step()
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            print(json.dumps({'imgPerSec': 256 * k / dt, 'imgPerCpuSec': 256 * k / dc, 'loss': loss}), flush=True)
        elif cmd[0] == 'infer':
            net.eval()
            t0, c0 = time.perf_counter(), time.process_time()
            with torch.no_grad():
                for s in range(0, len(xs), 1000):
                    net(xs[s:s + 1000]).argmax(1)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            net.train()
            print(json.dumps({'imgPerSec': len(xs) / dt, 'imgPerCpuSec': len(xs) / dc}), flush=True)
        else:
            print(json.dumps({'error': f'unknown command {cmd[0]}'}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['train', 'serve'])
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--variant', choices=['relu', 'd2l'], default='relu')
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--dir', default=DEBIAN_DIR)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    train(a) if a.mode == 'train' else serve(a)


if __name__ == '__main__':
    main()
