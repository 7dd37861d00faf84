#!/usr/bin/env python3
"""Golden learning-rate sequences for Kiln's schedule families, from the published formulas.

Each case pairs a Kiln schedule text with the reference formula, transcribed here independently of the Java
code from the library that defines it (research/features.md section 2: PyTorch torch/optim/lr_scheduler.py
closed forms, Keras learning_rate_schedule.py, HF transformers optimization.py). The formulas are evaluated
in double precision; SchedulesGoldenTest compares Kiln with them to 1e-12 relative (Tolerance.SCHEDULE).

Run:  python3 formulas.py > formulas.json
"""
import json
import math


def seq(n, f):
    return [float(f(t)) for t in range(n)]


# ---- reference formulas (t = 0 for the first update; values are multipliers of the base lr) ----

def step_lr(step_size, gamma):                      # PyTorch StepLR
    return lambda t: gamma ** (t // step_size)


def multistep_lr(milestones, gamma):                # PyTorch MultiStepLR: bisect_right
    import bisect
    m = sorted(milestones)
    return lambda t: gamma ** bisect.bisect_right(m, t)


def piecewise(boundaries, values):                  # PyTorch boundary convention: new value at t == b
    return lambda t: values[sum(1 for b in boundaries if b <= t)]


def exponential_decay(rate, decay_steps, staircase=False):   # Keras ExponentialDecay
    def f(t):
        p = t / decay_steps
        if staircase:
            p = math.floor(p)
        return rate ** p
    return f


def inverse_time(rate, decay_steps, staircase=False, power=1.0):   # Keras InverseTimeDecay (+ DL4J power)
    def f(t):
        p = t / decay_steps
        if staircase:
            p = math.floor(p)
        return 1.0 / (1 + rate * p) ** power
    return f


def hf_inverse_sqrt(w, timescale):                  # HF get_inverse_sqrt_schedule
    def f(t):
        if t < w:
            return float(t) / float(max(1, w))
        shift = timescale - w
        return 1.0 / math.sqrt((t + shift) / timescale)
    return f


def keras_poly(decay_steps, end=0.0, power=1.0, cycle=False):   # Keras PolynomialDecay (init 1)
    def f(t):
        d = decay_steps
        s = t
        if cycle:
            mult = 1 if t == 0 else math.ceil(t / d)
            d = d * mult
        else:
            s = min(t, d)
        return (1 - end) * (1 - s / d) ** power + end
    return f


def linear_lr(sf, ef, total):                       # PyTorch LinearLR closed form
    return lambda t: sf + (ef - sf) * min(total, t) / total


def cosine_lr(t_max, eta_min):                      # PyTorch CosineAnnealingLR closed form (rises after T_max)
    return lambda t: eta_min + (1 - eta_min) * (1 + math.cos(math.pi * t / t_max)) / 2


def keras_cosine(decay_steps, alpha):               # Keras CosineDecay (clamped)
    def f(t):
        s = min(t, decay_steps)
        return (1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / decay_steps)) + alpha
    return f


def keras_cosine_warmup(decay_steps, alpha, warmup_steps, init=0.0, target=1.0):   # Keras CosineDecay + warmup
    def f(t):
        s = min(t, decay_steps + warmup_steps)
        if s < warmup_steps:
            return init + (target - init) * s / warmup_steps
        s = s - warmup_steps
        return target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / decay_steps)) + alpha)
    return f


def torch_warm_restarts(t0, t_mult, eta_min):      # PyTorch CosineAnnealingWarmRestarts, implicit step()
    def f(t):
        t_i, t_cur = t0, t
        while t_cur >= t_i:
            t_cur -= t_i
            t_i *= t_mult
        return eta_min + (1 - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2
    return f


def keras_restarts(first, t_mul, m_mul, alpha):     # Keras CosineDecayRestarts (init 1)
    def f(t):
        frac = t / first
        if t_mul == 1.0:
            i = math.floor(frac)
            frac -= i
        else:
            i = math.floor(math.log(1 - frac * (1 - t_mul)) / math.log(t_mul))
            frac = (frac - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i
        m = m_mul ** i
        return (1 - alpha) * m * 0.5 * (1 + math.cos(math.pi * frac)) + alpha
    return f


def cyclic(base, mx, up, down, mode, gamma=1.0, base_m=None, max_m=None):   # PyTorch CyclicLR
    total = float(up + down)
    ratio = up / total

    def parts(t):
        cycle = math.floor(1 + t / total)
        x = 1. + t / total - cycle
        s = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        g = {'triangular': 1.0, 'triangular2': 1 / (2. ** (cycle - 1)), 'exp_range': gamma ** t}[mode]
        return s, g

    def lr(t):
        s, g = parts(t)
        return base + (mx - base) * s * g

    def mom(t):
        s, g = parts(t)
        return max_m - (max_m - base_m) * s * g
    return lr, mom


def one_cycle(n, max_lr=1.0, pct=0.3, div=25., final_div=1e4, strategy='cos', three=False,
              base_m=0.85, max_m=0.95):             # PyTorch OneCycleLR
    initial = max_lr / div
    low = initial / final_div
    if three:
        phases = [(float(pct * n) - 1, initial, max_lr, max_m, base_m),
                  (float(2 * pct * n) - 2, max_lr, initial, base_m, max_m),
                  (n - 1, initial, low, max_m, max_m)]
    else:
        phases = [(float(pct * n) - 1, initial, max_lr, max_m, base_m),
                  (n - 1, max_lr, low, base_m, max_m)]

    def anneal(a, b, p):
        if strategy == 'cos':
            return b + (a - b) / 2.0 * (math.cos(math.pi * p) + 1)
        return (b - a) * p + a

    def both(t):
        start = 0
        for i, (end, l0, l1, m0, m1) in enumerate(phases):
            if t <= end or i == len(phases) - 1:
                p = (t - start) / (end - start)
                return anneal(l0, l1, p), anneal(m0, m1, p)
            start = end
    return (lambda t: both(t)[0]), (lambda t: both(t)[1])


def hf_wsd(w, s, d, decay_type, warmup_type='linear', m=0.0):   # HF get_wsd_schedule, num_cycles 0.5
    def f(t):
        if t < w:
            p = float(t) / float(max(1, w))
            factor = {'linear': p, 'cosine': 0.5 * (1.0 - math.cos(math.pi * p)),
                      '1-sqrt': 1.0 - math.sqrt(1.0 - p)}[warmup_type]
            return max(0.0, factor * (1.0 - m) + m)
        if t < w + s:
            return 1.0
        if t < w + s + d:
            p = float(t - w - s) / float(max(1, d))
            factor = {'linear': 1.0 - p, 'cosine': 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * p)),
                      '1-sqrt': 1.0 - math.sqrt(p)}[decay_type]
            return max(0.0, factor * (1.0 - m) + m)
        return m
    return f


def join(pieces, boundaries):                        # Optax join_schedules / PyTorch SequentialLR
    def f(t):
        start = 0
        k = 0
        for i, b in enumerate(boundaries):
            if t >= b:
                k, start = i + 1, b
        return pieces[k](t - start)
    return f


def linear_warmup(n, start, target):                # PyTorch LinearLR(start, 1) scaled to a target
    return lambda t: start + (target - start) * min(n, t) / n


def exp_warmup(n, start, target):                   # geometric ramp
    return lambda t: target if t >= n else start * (target / start) ** (t / n)


cases = []


def case(name, spec, spe, total, f, base_lr=1.0, momentum=None, source=''):
    c = {'name': name, 'spec': spec, 'steps_per_epoch': spe, 'total_steps': total, 'base_lr': base_lr,
         'source': source, 'lr': seq(total, lambda t: base_lr * f(t))}
    if momentum is not None:
        c['momentum'] = seq(total, momentum)
    cases.append(c)


# the seed article: lr = 1e-2 * 0.8^floor(epoch / 2), 10 epochs of 20 steps
case('seed article staircase', 'step:every=2ep,gamma=0.8', 20, 200,
     lambda t: 0.8 ** ((t // 20) // 2), base_lr=1e-2, source='DESIGN.md seed experiment')
case('constant', 'constant', 20, 40, lambda t: 1.0)
case('constant factor', 'constant:0.5', 1, 5, lambda t: 0.5)
case('step', 'step:every=3', 1, 10, step_lr(3, 0.1), source='PyTorch StepLR(3, 0.1)')
case('step in epochs', 'step:every=1.5ep,gamma=0.5', 4, 24, step_lr(6, 0.5), source='PyTorch StepLR(6, 0.5)')
case('multistep', 'multistep:at=[2,5]', 1, 8, multistep_lr([2, 5], 0.1), source='PyTorch MultiStepLR([2,5])')
case('multistep repeated', 'multistep:at=[5,2,2],gamma=0.5', 1, 8, multistep_lr([2, 2, 5], 0.5),
     source='PyTorch MultiStepLR: a repeated milestone counts twice')
case('multistep epochs', 'multistep:at=[1ep,25%],gamma=0.3', 4, 16, multistep_lr([4, 4], 0.3))
case('multistep values', 'multistep:at=[2,4],values=[1,0.5,0.1]', 1, 7, piecewise([2, 4], [1, 0.5, 0.1]),
     source='Keras PiecewiseConstantDecay with PyTorch boundaries')
case('exp per step', 'exp:gamma=0.5', 1, 8, lambda t: 0.5 ** t, source='PyTorch ExponentialLR(0.5)')
case('exp keras', 'exp:gamma=0.5,every=2', 1, 9, exponential_decay(0.5, 2), source='Keras ExponentialDecay(2, 0.5)')
case('exp keras staircase', 'exp:gamma=0.5,every=2,staircase', 1, 9, exponential_decay(0.5, 2, True))
case('exp slow', 'exp:gamma=0.96,every=1ep', 7, 70, exponential_decay(0.96, 7))
case('invtime', 'invtime:rate=1,every=2', 1, 9, inverse_time(1.0, 2), source='Keras InverseTimeDecay(2, 1.0)')
case('invtime staircase', 'invtime:rate=0.5,every=3,staircase', 1, 12, inverse_time(0.5, 3, True))
case('invtime power', 'invtime:rate=1,power=2', 1, 6, inverse_time(1.0, 1, power=2.0), source='DL4J InverseSchedule(1, 1, 2)')
case('inverse sqrt', 'warmup:2,from=0 > rsqrt:scale=2', 1, 10, hf_inverse_sqrt(2, 2), source='HF inverse_sqrt(W=2)')
case('inverse sqrt long', 'warmup:100,from=0 > rsqrt:scale=1000', 1, 400, hf_inverse_sqrt(100, 1000))
case('poly torch', 'poly:over=4,power=2', 1, 8, keras_poly(4, 0.0, 2.0), source='PyTorch PolynomialLR(4, 2)')
case('poly keras cycle', 'poly:over=4,cycle', 1, 13, keras_poly(4, 0.0, 1.0, True), source='Keras PolynomialDecay cycle')
case('poly end', 'poly:over=6,power=0.5,end=0.1', 1, 9, keras_poly(6, 0.1, 0.5))
case('poly default horizon', 'poly:power=3', 5, 50, keras_poly(50, 0.0, 3.0))
case('linear torch', 'linear:from=0.25,to=1,over=4', 1, 7, linear_lr(0.25, 1.0, 4), source='PyTorch LinearLR(0.25, 1, 4)')
case('linear default', 'linear', 4, 12, linear_lr(1.0, 0.0, 12))
case('cosine rises', 'cosine:over=4,min=0.1', 1, 12, cosine_lr(4, 0.1), source='PyTorch CosineAnnealingLR(4, 0.1)')
case('cosine clamp', 'cosine:over=4,min=0.1,clamp', 1, 12, keras_cosine(4, 0.1), source='Keras CosineDecay(4, alpha=0.1)')
case('cosine run', 'cosine', 10, 100, cosine_lr(100, 0.0))
case('cosine epochs', 'cosine:over=3ep,min=0.05', 10, 80, cosine_lr(30, 0.05))
case('keras cosine warmup', 'warmup:2,from=0 > cosine:over=4,min=0.1,clamp', 1, 9, keras_cosine_warmup(4, 0.1, 2),
     source='Keras CosineDecay(0, 4, alpha=0.1, warmup_target=1, warmup_steps=2)')
case('restarts torch', 'restarts:period=2,mult=2', 1, 31, torch_warm_restarts(2, 2, 0.0),
     source='PyTorch CosineAnnealingWarmRestarts(2, 2)')
case('restarts torch eta_min', 'restarts:period=3,min=0.1', 1, 10, torch_warm_restarts(3, 1, 0.1))
case('restarts keras', 'restarts:period=2,mult=2,decay=0.5', 1, 31, keras_restarts(2, 2.0, 0.5, 0.0),
     source='Keras CosineDecayRestarts(2, t_mul=2, m_mul=0.5)')
case('restarts keras fractional', 'restarts:period=3,mult=1.5,decay=0.8,min=0.05', 1, 60,
     keras_restarts(3, 1.5, 0.8, 0.05))
case('restarts epochs', 'restarts:period=1ep,mult=3', 5, 100, torch_warm_restarts(5, 3, 0.0))
for mode, spec, up, down, gamma in [('triangular', 'cyclic:min=0.1,up=2', 2, 2, 1.0),
                                    ('triangular2', 'cyclic:min=0.1,up=2,triangular2', 2, 2, 1.0),
                                    ('exp_range', 'cyclic:min=0.1,up=2,down=3,exp_range,gamma=0.9', 2, 3, 0.9),
                                    ('triangular', 'cyclic:min=0.2,max=0.8,up=3,down=1,momentum=0.7..0.95', 3, 1, 1.0)]:
    lo_m, hi_m = (0.7, 0.95) if 'momentum' in spec else (0.8, 0.9)
    lr, mom = cyclic(0.2 if '0.2' in spec else 0.1, 0.8 if 'max=0.8' in spec else 1.0, up, down, mode, gamma, lo_m, hi_m)
    case('cyclic ' + mode + ' ' + spec, spec, 1, 14, lr, momentum=mom, source='PyTorch CyclicLR')
for spec, kw in [('onecycle:over=10', {}),
                 ('onecycle:over=10,linear', {'strategy': 'linear'}),
                 ('onecycle:over=10,linear,three_phase', {'strategy': 'linear', 'three': True}),
                 ('onecycle:over=10,three_phase', {'three': True}),
                 ('onecycle:over=25,max=0.5,pct=0.25,div=10,final_div=100,momentum=0.8..0.9',
                  {'max_lr': 0.5, 'pct': 0.25, 'div': 10., 'final_div': 100., 'base_m': 0.8, 'max_m': 0.9})]:
    n = 25 if 'over=25' in spec else 10
    lr, mom = one_cycle(n, **kw)
    case('onecycle ' + spec, spec, 1, n, lr, momentum=mom, source='PyTorch OneCycleLR')
lr, mom = one_cycle(120)
case('onecycle run', 'onecycle', 12, 120, lr, momentum=mom)
case('sequential', 'warmup:3,from=0.1 > exp:gamma=0.5', 1, 8,
     join([linear_warmup(3, 0.1, 1.0), lambda t: 0.5 ** t], [3]),
     source='PyTorch SequentialLR([LinearLR(0.1, 1, 3), ExponentialLR(0.5)], [3])')
case('warmup default from', 'warmup:4 > cosine', 1, 12,
     join([linear_warmup(4, 0.01, 1.0), cosine_lr(8, 0.0)], [4]))
case('warmup percent cosine', 'warmup:5%,linear > cosine:min=0.01', 10, 100,
     join([linear_warmup(5, 0.01, 1.0), cosine_lr(95, 0.01)], [5]))
case('warmup exp', 'warmup:4,exp,from=0.01 > cosine:min=0.1', 1, 12,
     join([exp_warmup(4, 0.01, 1.0), cosine_lr(8, 0.1)], [4]))
case('warmup to next value', 'warmup:2,from=0.5 > constant:0.25 for 2 > constant', 1, 6,
     join([linear_warmup(2, 0.5, 0.25), lambda t: 0.25, lambda t: 1.0], [2, 4]))
case('warmup epochs then step', 'warmup:1ep > step:every=2ep,gamma=0.5', 5, 50,
     join([linear_warmup(5, 0.01, 1.0), step_lr(10, 0.5)], [5]))
case('wsd hf', 'wsd:warmup=2,decay=4,over=10,1-sqrt,min=0.1', 1, 12, hf_wsd(2, 4, 4, '1-sqrt', m=0.1),
     source='HF warmup_stable_decay(2, 2, 4, 1-sqrt, 0.1)')
case('wsd cosine', 'wsd:warmup=10%,decay=20%', 5, 100, hf_wsd(10, 70, 20, 'cosine'))
case('wsd linear', 'wsd:warmup=3,decay=5,linear,warmup_shape=cosine,min=0.05', 1, 20,
     hf_wsd(3, 12, 5, 'linear', 'cosine', 0.05))
case('wsd sqrt warmup', 'wsd:warmup=4,warmup_shape=1-sqrt', 1, 20, hf_wsd(4, 12, 4, 'cosine', '1-sqrt'))
case('chained', '(constant:0.1 for 2 > constant) * exp:gamma=0.9', 1, 6,
     lambda t: (0.1 if t < 2 else 1.0) * 0.9 ** t, source='PyTorch ChainedScheduler([ConstantLR(0.1, 2), ExponentialLR(0.9)])')
case('clamp', 'cosine:over=8 | clamp:min=0.2', 1, 12, lambda t: max(0.2, cosine_lr(8, 0.0)(t)))
case('clamp both', 'exp:gamma=2 | clamp:min=0.5,max=10', 1, 8, lambda t: min(10.0, max(0.5, 2.0 ** t)))
case('three pieces', 'linear:from=0,to=1,over=2 > constant for 3 > cosine:min=0.5', 1, 12,
     join([linear_lr(0.0, 1.0, 2), lambda t: 1.0, cosine_lr(7, 0.5)], [2, 5]))
case('nested', '(warmup:2,from=0.5 > constant) for 4 > step:every=2,gamma=0.5', 1, 10,
     join([join([linear_warmup(2, 0.5, 1.0), lambda t: 1.0], [2]), step_lr(2, 0.5)], [4]))

print(json.dumps({'source': 'formulas.py (published formulas, transcribed)', 'cases': cases}, indent=1))
