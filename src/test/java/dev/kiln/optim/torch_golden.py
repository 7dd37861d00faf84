#!/usr/bin/env python3
"""Writes the PyTorch golden values of TorchGoldenTest.java (the GOLDEN text block).

Runs each optimizer spec below in torch.optim, float32, single-tensor path (foreach=False), for 25 steps
from the parameters P0 with the gradients G of OptimizerStepTest, at a constant learning rate (schedule 0)
and at lr * (1 + 0.6 sin(0.8 t)) (schedule 1), and prints "spec schedule p_0 ... p_6" after the last step.

Generated with Debian's python3-torch 1.13.1 (apt-get install python3-torch; run with /usr/bin/python3).
Torch 1.13 predates two things Kiln follows, so the script patches them in:
  * NAdam's mu_product_next = mu_product * mu_next (PyTorch PR #92699, in 2.0; 1.13 multiplies by mu twice);
  * Lion and decoupled weight decay for NAdam/RAdam are not in 1.13: those specs are not covered here.
"""
import math

import torch
import torch.optim.nadam as nadam_module

_src = open(nadam_module.__file__).read()
_fixed = _src.replace("mu_product_next = mu_product * mu * mu_next", "mu_product_next = mu_product * mu_next")
if _fixed != _src:
    exec(compile(_fixed, nadam_module.__file__, "exec"), nadam_module.__dict__)

N, STEPS = 7, 25
P0 = [1.2, -0.8, 0.5, -1.5, 2.0, -0.6, 0.9]
G = [[(1 + 0.25 * i) * math.sin(0.9 * t + 1.7 * i) * (0.2 if t % 4 == 0 else 1.0) + 0.05 * (i - 3)
      for i in range(N)] for t in range(1, STEPS + 1)]

CLASSES = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "adadelta": torch.optim.Adadelta,
           "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
           "nadam": nadam_module.NAdam, "radam": torch.optim.RAdam}
DEFAULT_LR = {"sgd": 1e-3, "adagrad": 1e-2, "adadelta": 1.0, "rmsprop": 1e-2, "adam": 1e-3, "adamw": 1e-3,
              "nadam": 2e-3, "radam": 1e-3}

SPECS = [
    "sgd:lr=0.02", "sgd:lr=0.01,momentum=0.9,dampening=0.3", "sgd:lr=0.01,momentum=0.8,weight_decay=0.05,nesterov,maximize",
    "adagrad:lr=0.05,lr_decay=0.1,weight_decay=0.2,initial_accumulator_value=0.5,eps=0.001",
    "adadelta:lr=1", "adadelta:lr=0.5,rho=0.8,eps=1e-4,weight_decay=0.3",
    "rmsprop:lr=0.005", "rmsprop:lr=0.002,alpha=0.9,eps=1e-6,weight_decay=0.1,momentum=0.5,centered",
    "adam:lr=0.01", "adam:lr=0.01,betas=0.5/0.9,eps=1e-6,weight_decay=0.5,amsgrad",
    "adamw:lr=0.01", "adamw:lr=0.01,betas=0.9/0.99,weight_decay=0.1,amsgrad",
    "nadam:lr=0.01", "nadam:lr=0.01,betas=0.8/0.99,weight_decay=0.5,momentum_decay=0.5",
    "radam:lr=0.01", "radam:lr=0.01,betas=0.8/0.99,eps=0.1,weight_decay=0.5",
]


def kwargs(name, options):
    kw = {"lr": DEFAULT_LR[name]}
    for tok in filter(None, options.split(",")):
        key, eq, value = tok.partition("=")
        if not eq:
            kw[key] = True
        elif key == "betas":
            kw[key] = tuple(float(x) for x in value.split("/"))
        else:
            kw[key] = float(value)
    return kw


for spec in SPECS:
    name, _, options = spec.partition(":")
    for schedule in (0, 1):
        kw = kwargs(name, options)
        base = kw["lr"]
        p = torch.tensor(P0, dtype=torch.float32, requires_grad=True)
        opt = CLASSES[name]([p], foreach=False, **kw)
        for t in range(1, STEPS + 1):
            for group in opt.param_groups:
                group["lr"] = base if schedule == 0 else base * (1 + 0.6 * math.sin(0.8 * t))
            p.grad = torch.tensor(G[t - 1], dtype=torch.float32)
            opt.step()
        print(spec, schedule, " ".join(repr(x) for x in p.detach().tolist()))
