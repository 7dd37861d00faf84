#!/usr/bin/python3
"""Whole training runs in real PyTorch (Debian python3-torch 1.13), for TorchTrainingGoldenTest.

Each case trains a small MLP on the digits set that ships in Kiln's jar (src/main/resources/kiln/data/digits.csv)
as a PyTorch user would write it: nn.Linear layers starting from PyTorch's own default initialisation
(torch.manual_seed(case seed)), float32, batches in file order (no shuffle), the last partial batch kept,
the learning rate set on the param group before every optimizer.step() from a per-step multiplier of the
base rate, and the loss with reduction='mean'. It writes, per case:

  <case>.init.safetensors  the initial parameters, named layers.<i>.weight / layers.<i>.bias ([out, in] and
                           [out]), written here by hand in the safetensors format (8-byte little-endian header
                           length, JSON header, raw little-endian float32), so Kiln reads a file it did not write;
  pytorch.json             what the run printed: per epoch the training loss (the mean over the epoch's rows
                           of each row's loss in the forward pass of its own step, Keras's running loss), the
                           training accuracy, and the validation loss and accuracy after the epoch; and the
                           parameters after the last step, in Kiln's flat layout (each weight then its bias).

Data handling is what Kiln's API does, written out in numpy: Keras's validation_split (the last
n - floor(n (1 - f)) rows), scikit-learn's StandardScaler (population std, a constant column only centred,
statistics from the training rows, computed in float64, then cast to float32).

Run:  cd src/test/resources/golden/training && /usr/bin/python3 pytorch.py
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS = os.path.join(HERE, '..', '..', '..', '..', 'main', 'resources', 'kiln', 'data', 'digits.csv')

torch.set_num_threads(1)


def digits():
    d = np.loadtxt(DIGITS, delimiter=',', dtype=np.float64)
    return d[:, :-1], d[:, -1].astype(np.int64)


def keras_split(n, fraction):
    split_at = int(math.floor(n * (1.0 - fraction)))
    return split_at


def standardize(train, *others):
    mean = train.mean(axis=0)
    std = np.sqrt(((train - mean) ** 2).mean(axis=0))
    std[std == 0] = 1.0
    return [((x - mean) / std).astype(np.float32) for x in (train,) + others]


ACT = {
    'relu': F.relu, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'gelu': F.gelu,
    'leaky_relu': lambda z: F.leaky_relu(z, 0.01), 'linear': lambda z: z,
}


def forward(layers, acts, x):
    """The hidden activations applied; the output layer's pre-activation returned (losses take logits)."""
    h = x
    for i, (lin, act) in enumerate(zip(layers, acts)):
        z = lin(h)
        h = z if i == len(layers) - 1 else ACT[act](z)
    return h


def row_losses(kind, out_act, z, y):
    """Per-row loss, as torch's mean-reduced losses average it (over the outputs too)."""
    if kind == 'softmax_cross_entropy':
        return F.cross_entropy(z, y, reduction='none')
    if kind == 'bce':
        return F.binary_cross_entropy_with_logits(z, y, reduction='none').mean(dim=1)
    a = ACT[out_act](z)
    return ((a - y) ** 2).mean(dim=1)


def batch_loss(kind, out_act, z, y):
    if kind == 'softmax_cross_entropy':
        return F.cross_entropy(z, y)
    if kind == 'bce':
        return F.binary_cross_entropy_with_logits(z, y)
    return F.mse_loss(ACT[out_act](z), y)


def correct(kind, out_act, z, y):
    """Kiln's accuracy: argmax against the label; with one sigmoid output, (p >= 0.5) == (y >= 0.5)."""
    if kind == 'softmax_cross_entropy':
        return int((z.argmax(dim=1) == y).sum())
    if z.shape[1] == 1:
        return int(((torch.sigmoid(z) >= 0.5) == (y >= 0.5)).sum())
    return 0


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors:
        raw = t.detach().contiguous().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def run(case):
    torch.manual_seed(case['seed'])
    widths = [case['x_train'].shape[1]] + [u for u, _ in case['layers']]
    acts = [a for _, a in case['layers']]
    layers = [torch.nn.Linear(widths[i], widths[i + 1]) for i in range(len(acts))]
    named = []
    for i, lin in enumerate(layers):
        named += [('layers.%d.weight' % i, lin.weight), ('layers.%d.bias' % i, lin.bias)]
    write_safetensors(os.path.join(HERE, case['name'] + '.init.safetensors'), named)

    params = [p for lin in layers for p in (lin.weight, lin.bias)]
    opt = case['optimizer'](params)
    base = opt.param_groups[0]['lr']
    kind, out_act = case['loss'], acts[-1]
    x, y = torch.from_numpy(case['x_train']), torch.from_numpy(case['y_train'])
    n, bs = x.shape[0], case['batch']
    epochs, step = [], 0
    for epoch in range(case['epochs']):
        loss_sum, hits = 0.0, 0
        for start in range(0, n, bs):
            xb, yb = x[start:start + bs], y[start:start + bs]
            for g in opt.param_groups:
                g['lr'] = base * case['schedule'](step)
            opt.zero_grad()
            z = forward(layers, acts, xb)
            loss = batch_loss(kind, out_act, z, yb)
            loss.backward()
            if 'clip_norm' in case:
                torch.nn.utils.clip_grad_norm_(params, case['clip_norm'])
            with torch.no_grad():
                loss_sum += float(row_losses(kind, out_act, z, yb).double().sum())
                hits += correct(kind, out_act, z, yb)
            opt.step()
            step += 1
        e = {'loss': loss_sum / n}
        classifies = kind == 'softmax_cross_entropy' or len(case['y_train'].shape) == 2 and case['y_train'].shape[1] == 1
        if classifies:
            e['accuracy'] = hits / n
        if 'x_val' in case:
            with torch.no_grad():
                xv, yv = torch.from_numpy(case['x_val']), torch.from_numpy(case['y_val'])
                zv = forward(layers, acts, xv)
                e['val_loss'] = float(row_losses(kind, out_act, zv, yv).double().sum()) / xv.shape[0]
                if classifies:
                    e['val_accuracy'] = correct(kind, out_act, zv, yv) / xv.shape[0]
        epochs.append(e)
    # repr of a float32: the shortest decimal that reads back as the same float32
    final = [float(repr(v)) for p in params for v in p.detach().reshape(-1).numpy()]
    return {'name': case['name'], 'steps': step, 'epochs': epochs, 'final': final}


def main():
    xs, labels = digits()
    n = xs.shape[0]
    cases = []

    # 1. classification: Keras's validation_split 0.2, StandardScaler on the training rows, integer labels,
    #    softmax cross-entropy, SGD with Nesterov momentum and L2 weight decay, a step decay every 23 steps
    split = keras_split(n, 0.2)
    xt, xv = standardize(xs[:split], xs[split:])
    cases.append(dict(
        name='ce_sgd_nesterov', seed=1, x_train=xt, y_train=labels[:split], x_val=xv, y_val=labels[split:],
        layers=[(32, 'relu'), (16, 'tanh'), (10, 'softmax')], loss='softmax_cross_entropy', batch=64, epochs=4,
        optimizer=lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
        schedule=lambda s: 0.5 ** (s // 23)))

    # 2. multi-label: 11 sigmoid outputs (the one-hot digit and "is even"), BCE with logits averaged over rows
    #    and outputs, Adam under a cosine decay; pixels / 16 (exact in float32); rows 0-1499 train, the rest
    #    validate
    x16 = (xs / 16.0).astype(np.float32)
    multi = np.zeros((n, 11), dtype=np.float32)
    multi[np.arange(n), labels] = 1
    multi[:, 10] = (labels % 2 == 0)
    total2 = 3 * math.ceil(1500 / 100)
    cases.append(dict(
        name='bce_adam_multilabel', seed=2, x_train=x16[:1500], y_train=multi[:1500], x_val=x16[1500:],
        y_val=multi[1500:], layers=[(24, 'gelu'), (11, 'sigmoid')], loss='bce', batch=100, epochs=3,
        optimizer=lambda p: torch.optim.Adam(p, lr=0.01),
        schedule=lambda s: 0.5 * (1 + math.cos(math.pi * s / total2))))

    # 3. regression: three targets, MSE (mean over rows and outputs) on a linear output, centred RMSprop
    #    with momentum and weight decay, a linear warmup over 10 steps; all rows standardised, batch 128
    (xa,) = standardize(xs)
    reg = np.stack([labels / 9.0, (labels % 3 == 0).astype(np.float64), xs.sum(axis=1) / 1000.0], axis=1)
    cases.append(dict(
        name='mse_rmsprop_regression', seed=3, x_train=xa, y_train=reg.astype(np.float32),
        layers=[(16, 'leaky_relu'), (12, 'sigmoid'), (3, 'linear')], loss='mse', batch=128, epochs=3,
        optimizer=lambda p: torch.optim.RMSprop(p, lr=0.003, alpha=0.9, momentum=0.5, centered=True,
                                                weight_decay=1e-3),
        schedule=lambda s: min(1.0, (s + 1) / 10)))

    # 4. binary: one sigmoid output ("digit >= 5"), BCE, plain momentum SGD with dampening, the global gradient
    #    norm clipped to 0.5 every step (torch.nn.utils.clip_grad_norm_), a triangular cycle of 20 steps; pixels
    #    / 16, Keras's validation_split 0.25
    split4 = keras_split(n, 0.25)
    binary = (labels >= 5).astype(np.float32).reshape(-1, 1)
    cases.append(dict(
        name='bce_binary_clipped_sgd', seed=4, x_train=x16[:split4], y_train=binary[:split4], x_val=x16[split4:],
        y_val=binary[split4:], layers=[(20, 'sigmoid'), (8, 'linear'), (1, 'sigmoid')], loss='bce', batch=50,
        epochs=3, clip_norm=0.5,
        optimizer=lambda p: torch.optim.SGD(p, lr=0.2, momentum=0.9, dampening=0.1),
        schedule=lambda s: 0.1 + 0.9 * (1 - abs((s % 20) / 10.0 - 1))))

    out = {'generator': 'pytorch.py, torch ' + torch.__version__, 'cases': [run(c) for c in cases]}
    with open(os.path.join(HERE, 'pytorch.json'), 'w') as f:   # one line per case
        f.write('{"generator": %s, "cases": [\n' % json.dumps(out['generator']))
        f.write(',\n'.join(json.dumps(c) for c in out['cases']))
        f.write('\n]}\n')


if __name__ == '__main__':
    main()
