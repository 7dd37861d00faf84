#!/usr/bin/python3
"""Golden sequences from real PyTorch schedulers (Debian python3-torch 1.13), for SchedulesGoldenTest.

For every case the scheduler runs as in training: read the learning rate (and momentum) of the param group,
then optimizer.step() and scheduler.step(). The optimizer's lr is 1.0 so the values are Kiln's multipliers.
Plateau cases feed a recorded metric stream to ReduceLROnPlateau and record the lr after each step(metric).

Run:  /usr/bin/python3 pytorch.py > pytorch.json
"""
import json
import warnings

import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as L

warnings.filterwarnings('ignore')


def run(spec, make, n, spe=1, momentum=False, source=''):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = SGD([p], lr=1.0, momentum=0.9)
    sched = make(opt)
    lrs, moms = [], []
    for _ in range(n):
        lrs.append(float(opt.param_groups[0]['lr']))
        moms.append(float(opt.param_groups[0]['momentum']))
        opt.step()
        sched.step()
    c = {'name': source, 'spec': spec, 'steps_per_epoch': spe, 'total_steps': n, 'base_lr': 1.0,
         'source': source, 'lr': lrs}
    if momentum:
        c['momentum'] = moms
    return c


cases = [
    run('step:every=3', lambda o: L.StepLR(o, 3, 0.1), 10, source='StepLR(3, 0.1)'),
    run('step:every=2ep,gamma=0.8', lambda o: L.StepLR(o, 40, 0.8), 200, spe=20, source='StepLR(40, 0.8): the seed schedule per step'),
    run('multistep:at=[2,5]', lambda o: L.MultiStepLR(o, [2, 5], 0.1), 8, source='MultiStepLR([2, 5], 0.1)'),
    run('multistep:at=[2,2,5],gamma=0.5', lambda o: L.MultiStepLR(o, [2, 2, 5], 0.5), 8, source='MultiStepLR([2, 2, 5], 0.5)'),
    run('exp:gamma=0.5', lambda o: L.ExponentialLR(o, 0.5), 8, source='ExponentialLR(0.5)'),
    run('constant:0.5 for 3 > constant', lambda o: L.ConstantLR(o, 0.5, 3), 6, source='ConstantLR(0.5, 3)'),
    run('linear:from=0.25,to=1,over=4', lambda o: L.LinearLR(o, 0.25, 1.0, 4), 7, source='LinearLR(0.25, 1, 4)'),
    run('warmup:4,from=0.25 > constant', lambda o: L.LinearLR(o, 0.25, 1.0, 4), 7, source='LinearLR(0.25, 1, 4) as a warmup'),
    run('poly:over=4,power=2', lambda o: L.PolynomialLR(o, 4, 2.0), 7, source='PolynomialLR(4, 2)'),
    run('cosine:over=4,min=0.1', lambda o: L.CosineAnnealingLR(o, 4, 0.1), 12, source='CosineAnnealingLR(4, 0.1): rises after T_max'),
    run('cosine:over=10', lambda o: L.CosineAnnealingLR(o, 10), 10, source='CosineAnnealingLR(10)'),
    run('restarts:period=2,mult=2', lambda o: L.CosineAnnealingWarmRestarts(o, 2, 2), 31, source='CosineAnnealingWarmRestarts(2, 2)'),
    run('restarts:period=3,min=0.1', lambda o: L.CosineAnnealingWarmRestarts(o, 3, 1, 0.1), 10, source='CosineAnnealingWarmRestarts(3, 1, 0.1)'),
    run('restarts:period=1ep,mult=3,min=0.01', lambda o: L.CosineAnnealingWarmRestarts(o, 4, 3, 0.01), 60, spe=4,
        source='CosineAnnealingWarmRestarts(4, 3, 0.01)'),
    run('cyclic:min=0.1,up=2', lambda o: L.CyclicLR(o, 0.1, 1.0, 2), 14, momentum=True, source='CyclicLR(0.1, 1, 2)'),
    run('cyclic:min=0.1,up=2,triangular2', lambda o: L.CyclicLR(o, 0.1, 1.0, 2, mode='triangular2'), 14, momentum=True,
        source="CyclicLR(0.1, 1, 2, 'triangular2')"),
    run('cyclic:min=0.1,up=2,down=3,exp_range,gamma=0.9',
        lambda o: L.CyclicLR(o, 0.1, 1.0, 2, 3, mode='exp_range', gamma=0.9), 14, momentum=True,
        source="CyclicLR(0.1, 1, 2, 3, 'exp_range', 0.9)"),
    run('cyclic:min=0.2,max=0.8,up=3,down=1,momentum=0.7..0.95',
        lambda o: L.CyclicLR(o, 0.2, 0.8, 3, 1, base_momentum=0.7, max_momentum=0.95), 14, momentum=True,
        source='CyclicLR(0.2, 0.8, 3, 1, momentum 0.7..0.95)'),
    run('onecycle:over=10', lambda o: L.OneCycleLR(o, 1.0, total_steps=10), 10, momentum=True, source='OneCycleLR(1, 10)'),
    run('onecycle:over=10,linear', lambda o: L.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy='linear'), 10,
        momentum=True, source="OneCycleLR(1, 10, 'linear')"),
    run('onecycle:over=10,linear,three_phase',
        lambda o: L.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy='linear', three_phase=True), 10, momentum=True,
        source="OneCycleLR(1, 10, 'linear', three_phase)"),
    run('onecycle:over=10,three_phase', lambda o: L.OneCycleLR(o, 1.0, total_steps=10, three_phase=True), 10,
        momentum=True, source='OneCycleLR(1, 10, three_phase)'),
    run('onecycle:max=0.5,pct=0.25,div=10,final_div=100,momentum=0.8..0.9',
        lambda o: L.OneCycleLR(o, 0.5, epochs=5, steps_per_epoch=5, pct_start=0.25, div_factor=10,
                               final_div_factor=100, base_momentum=0.8, max_momentum=0.9), 25, spe=5, momentum=True,
        source='OneCycleLR(0.5, 5 x 5, pct 0.25, div 10, final_div 100)'),
    run('onecycle', lambda o: L.OneCycleLR(o, 1.0, epochs=10, steps_per_epoch=12), 120, spe=12, momentum=True,
        source='OneCycleLR(1, epochs=10, steps_per_epoch=12)'),
    run('warmup:3,from=0.1 > exp:gamma=0.5',
        lambda o: L.SequentialLR(o, [L.LinearLR(o, 0.1, 1.0, 3), L.ExponentialLR(o, 0.5)], [3]), 8,
        source='SequentialLR([LinearLR(0.1, 1, 3), ExponentialLR(0.5)], [3])'),
    run('(constant:0.1 for 2 > constant) * exp:gamma=0.9',
        lambda o: L.ChainedScheduler([L.ConstantLR(o, 0.1, 2), L.ExponentialLR(o, 0.9)]), 6,
        source='ChainedScheduler([ConstantLR(0.1, 2), ExponentialLR(0.9)])'),
]


def plateau(spec, metrics, **kw):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = SGD([p], lr=1.0)
    sched = L.ReduceLROnPlateau(opt, **kw)
    out = []
    for m in metrics:
        sched.step(m)
        out.append(float(opt.param_groups[0]['lr']))
    return {'spec': spec, 'source': 'ReduceLROnPlateau(%s)' % ', '.join('%s=%r' % kv for kv in kw.items()),
            'metrics': metrics, 'lr_after': out}


flat = [10.0] + [9.0] * 9
wiggly = [5.0, 4.0, 3.9, 3.89, 3.895, 3.8, 3.79, 3.79, 3.5, 3.6, 3.7, 3.4, 3.41, 3.42, 3.43, 3.44, 3.45, 3.46, 3.47, 3.48]
rising = [0.5, 0.6, 0.61, 0.611, 0.612, 0.7, 0.69, 0.68, 0.7, 0.71, 0.72, 0.72, 0.72, 0.72]
plateaus = [
    plateau('plateau:factor=0.5,patience=2,threshold=0,threshold_mode=abs,cooldown=1,min=0.1', flat,
            factor=0.5, patience=2, threshold=0.0, threshold_mode='abs', cooldown=1, min_lr=0.1),
    plateau('plateau:patience=1', wiggly, patience=1),
    plateau('plateau:factor=0.5,patience=0,threshold=0.01', wiggly, factor=0.5, patience=0, threshold=0.01),
    plateau('plateau:factor=0.5,patience=1,threshold=0.05,threshold_mode=abs,cooldown=2', wiggly,
            factor=0.5, patience=1, threshold=0.05, threshold_mode='abs', cooldown=2),
    plateau('plateau:factor=0.3,patience=0,min=0.05', wiggly, factor=0.3, patience=0, min_lr=0.05),
    plateau('plateau:mode=max,factor=0.5,patience=1', rising, mode='max', factor=0.5, patience=1),
    plateau('plateau:mode=max,factor=0.5,patience=1,threshold=0.01,threshold_mode=abs', rising,
            mode='max', factor=0.5, patience=1, threshold=0.01, threshold_mode='abs'),
    plateau('plateau:factor=0.5,patience=0,threshold=0,eps=0.2', wiggly, factor=0.5, patience=0, threshold=0.0, eps=0.2),
]

print(json.dumps({'source': 'pytorch.py, torch ' + torch.__version__, 'cases': cases, 'plateau': plateaus}, indent=1))
