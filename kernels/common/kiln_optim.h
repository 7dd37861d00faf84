/*
 * kiln_optim.h: one per-element update function per optimizer, shared by CUDA and OpenCL.
 *
 * Each follows the algorithm box of the torch.optim documentation, in the order of tensor operations of
 * PyTorch's single-tensor implementation (torch/optim/<name>.py, `_single_tensor_<name>`), so that a
 * float32 run agrees with PyTorch to rounding. The host (dev.kiln.optim) computes the learning rate, every
 * bias correction and every `1 - beta` (in double, as PyTorch does in Python) and passes them in h[] (slot
 * meanings: dev.kiln.backend.UpdateRule). p, g and the state pointers address element i of buffers with
 * the parameter layout; g is the gradient after clipping (kiln_grad).
 *
 * Order of operations in a line follows ATen's CPU kernels:
 *   add(x, alpha=a)          -> self + a * x
 *   addcmul(t1, t2, value=a) -> self + a * t1 * t2      (left to right: (a * t1) * t2)
 *   addcdiv(t1, t2, value=a) -> self + a * t1 / t2      (left to right: (a * t1) / t2)
 *   lerp(end, w)             -> kiln_lerp below
 * dev.kiln.backend.cpu.CpuUpdate is the Java twin: change both together.
 *
 * Requires kiln_math.h first.
 */
#ifndef KILN_OPTIM_H
#define KILN_OPTIM_H

/* No a*b+c -> fma contraction, so that every operation rounds as in the Java twin (on PoCL the kernels then
 * match CpuUpdate bit for bit; with contraction, 133 of 135 checked runs differed). OpenCL: this pragma, in
 * force for the rest of the program text (kiln_nn.h and optim.cl after it); CUDA: kernels/build's --fmad=false. */
#ifndef __CUDACC__
#pragma OPENCL FP_CONTRACT OFF
#endif

/* torch.lerp for float (ATen/native/Lerp.h): exact at both ends of the weight range. */
KILN_FN float kiln_lerp(float a, float b, float w) {
    return KILN_FABS(w) < 0.5f ? a + w * (b - a) : b - (b - a) * (1.0f - w);
}

/* torch.optim.SGD:
 *   g <- -g if maximize;  g <- g + wd p;  if mu != 0: b <- (first ? g : mu b + (1 - dampening) g);
 *   g <- nesterov ? g + mu b : b;  p <- p - lr g
 * h: [0] lr [1] momentum [2] dampening [3] weight decay [4] nesterov [5] first step [6] maximize */
KILN_FN void kiln_sgd(KILN_GLOBAL float* p, float g, KILN_GLOBAL float* buf, const float* h) {
    float lr = h[0], mu = h[1], damp = h[2], wd = h[3];
    float w = *p;
    if (h[6] != 0.0f) g = -g;
    if (wd != 0.0f) g = g + wd * w;
    if (mu != 0.0f) {
        float b = h[5] != 0.0f ? g : mu * (*buf) + (1.0f - damp) * g;
        *buf = b;
        g = h[4] != 0.0f ? g + mu * b : b;
    }
    *p = w - lr * g;
}

/* torch.optim.Adagrad (the host folds lr_decay into clr = lr / (1 + (t - 1) lr_decay)):
 *   g <- g + wd p;  sum <- sum + g^2;  p <- p - clr g / (sqrt(sum) + eps)
 * h: [0] clr [1] weight decay [2] eps */
KILN_FN void kiln_adagrad(KILN_GLOBAL float* p, float g, KILN_GLOBAL float* sum, const float* h) {
    float clr = h[0], wd = h[1], eps = h[2];
    float w = *p;
    if (wd != 0.0f) g = g + wd * w;
    float s = *sum + g * g;
    *sum = s;
    float std = KILN_SQRT(s) + eps;
    *p = w + -clr * g / std;
}

/* torch.optim.Adadelta:
 *   g <- g + wd p;  v <- rho v + (1 - rho) g^2;  d <- sqrt(u + eps) / sqrt(v + eps) g;
 *   u <- rho u + (1 - rho) d^2;  p <- p - lr d
 * h: [0] lr [1] rho [2] eps [3] weight decay [4] 1 - rho */
KILN_FN void kiln_adadelta(KILN_GLOBAL float* p, float g, KILN_GLOBAL float* square_avg,
                           KILN_GLOBAL float* acc_delta, const float* h) {
    float lr = h[0], rho = h[1], eps = h[2], wd = h[3], omr = h[4];
    float w = *p;
    if (wd != 0.0f) g = g + wd * w;
    float v = rho * (*square_avg) + omr * g * g;
    *square_avg = v;
    float std = KILN_SQRT(v + eps);
    float d = KILN_SQRT(*acc_delta + eps) / std * g;
    *acc_delta = rho * (*acc_delta) + omr * d * d;
    *p = w + -lr * d;
}

/* torch.optim.RMSprop:
 *   g <- g + wd p;  v <- alpha v + (1 - alpha) g^2;
 *   centered: ga <- lerp(ga, g, 1 - alpha), avg = sqrt(v - ga^2) + eps;  else avg = sqrt(v) + eps
 *   mu > 0: b <- mu b + g / avg, p <- p - lr b;  else p <- p - lr g / avg
 * h: [0] lr [1] alpha [2] eps [3] weight decay [4] momentum [5] centered [6] 1 - alpha */
KILN_FN void kiln_rmsprop(KILN_GLOBAL float* p, float g, KILN_GLOBAL float* square_avg,
                          KILN_GLOBAL float* buf, KILN_GLOBAL float* grad_avg, const float* h) {
    float lr = h[0], alpha = h[1], eps = h[2], wd = h[3], mu = h[4], oma = h[6];
    float w = *p;
    if (wd != 0.0f) g = g + wd * w;
    float v = alpha * (*square_avg) + oma * g * g;
    *square_avg = v;
    float avg;
    if (h[5] != 0.0f) {
        float ga = kiln_lerp(*grad_avg, g, oma);
        *grad_avg = ga;
        avg = KILN_SQRT(v - ga * ga);
    } else {
        avg = KILN_SQRT(v);
    }
    avg = avg + eps;
    if (mu > 0.0f) {
        float b = mu * (*buf) + g / avg;
        *buf = b;
        *p = w + -lr * b;
    } else {
        *p = w + -lr * g / avg;
    }
}

/* torch.optim.Adam and AdamW (decoupled: p <- p (1 - lr wd) first):
 *   g <- g + wd p;  m <- lerp(m, g, 1 - beta1);  v <- beta2 v + (1 - beta2) g^2;
 *   amsgrad: vmax <- max(vmax, v), v^ = vmax;  denom = sqrt(v^) / sqrt(1 - beta2^t) + eps;
 *   p <- p - (lr / (1 - beta1^t)) m / denom
 * h: [0] lr [1] beta1 [2] beta2 [3] eps [4] weight decay (L2) [5] lr*wd (decoupled)
 *    [6] 1 - beta1^t [7] 1 - beta2^t [8] amsgrad [9] 1 - beta1 [10] 1 - beta2 */
KILN_FN void kiln_adam(KILN_GLOBAL float* p, float g, KILN_GLOBAL float* exp_avg, KILN_GLOBAL float* exp_avg_sq,
                       KILN_GLOBAL float* max_exp_avg_sq, const float* h) {
    float lr = h[0], beta2 = h[2], eps = h[3], wd = h[4], dwd = h[5];
    float w = *p;
    if (dwd != 0.0f) w = w * (1.0f - dwd);
    if (wd != 0.0f) g = g + wd * w;
    float m = kiln_lerp(*exp_avg, g, h[9]);
    *exp_avg = m;
    float v = beta2 * (*exp_avg_sq) + h[10] * g * g;
    *exp_avg_sq = v;
    if (h[8] != 0.0f) {
        float vmax = *max_exp_avg_sq;
        vmax = v > vmax ? v : vmax;
        *max_exp_avg_sq = vmax;
        v = vmax;
    }
    float step_size = lr / h[6];
    float denom = KILN_SQRT(v) / KILN_SQRT(h[7]) + eps;
    *p = w + -step_size * m / denom;
}

/* torch.optim.NAdam (mu_t = beta1 (1 - 0.5 * 0.96^(t psi)); the host keeps the product of the mu_i):
 *   g <- g + wd p (or p <- p (1 - lr wd), decoupled);  m <- lerp(m, g, 1 - beta1);
 *   v <- beta2 v + (1 - beta2) g^2;  denom = sqrt(v / (1 - beta2^t)) + eps;
 *   p <- p - [lr (1 - mu_t) / (1 - prod_{i<=t} mu_i)] g / denom
 *        - [lr mu_{t+1} / (1 - prod_{i<=t+1} mu_i)] m / denom
 * h: [0] lr [1] beta1 [2] 1 - beta1 [3] beta2 [4] 1 - beta2 [5] eps [6] weight decay (L2)
 *    [7] lr*wd (decoupled) [8] 1 - beta2^t [9] grad coefficient [10] momentum coefficient */
KILN_FN void kiln_nadam(KILN_GLOBAL float* p, float g, KILN_GLOBAL float* exp_avg, KILN_GLOBAL float* exp_avg_sq,
                        const float* h) {
    float beta2 = h[3], eps = h[5], wd = h[6], dwd = h[7];
    float w = *p;
    if (dwd != 0.0f) w = w * (1.0f - dwd);
    if (wd != 0.0f) g = g + wd * w;
    float m = kiln_lerp(*exp_avg, g, h[2]);
    *exp_avg = m;
    float v = beta2 * (*exp_avg_sq) + h[4] * g * g;
    *exp_avg_sq = v;
    float denom = KILN_SQRT(v / h[8]) + eps;
    w = w + -h[9] * g / denom;
    *p = w + -h[10] * m / denom;
}

/* torch.optim.RAdam (rho_t and the rectification r_t decided on the host):
 *   g <- g + wd p (or p <- p (1 - lr wd), decoupled);  m <- lerp(m, g, 1 - beta1);
 *   v <- beta2 v + (1 - beta2) g^2;  m^ = m / (1 - beta1^t);
 *   rho_t > 5: p <- p - m^ lr (sqrt(1 - beta2^t) / (sqrt(v) + eps)) r_t;  else p <- p - m^ lr
 * h: [0] lr [1] beta1 [2] 1 - beta1 [3] beta2 [4] 1 - beta2 [5] eps [6] weight decay (L2)
 *    [7] lr*wd (decoupled) [8] 1 - beta1^t [9] sqrt(1 - beta2^t) [10] r_t (0 when rho_t <= 5) */
KILN_FN void kiln_radam(KILN_GLOBAL float* p, float g, KILN_GLOBAL float* exp_avg, KILN_GLOBAL float* exp_avg_sq,
                        const float* h) {
    float lr = h[0], beta2 = h[3], eps = h[5], wd = h[6], dwd = h[7], rect = h[10];
    float w = *p;
    if (dwd != 0.0f) w = w * (1.0f - dwd);
    if (wd != 0.0f) g = g + wd * w;
    float m = kiln_lerp(*exp_avg, g, h[2]);
    *exp_avg = m;
    float v = beta2 * (*exp_avg_sq) + h[4] * g * g;
    *exp_avg_sq = v;
    float u = m / h[8] * lr;
    if (rect > 0.0f) u = u * (h[9] / (KILN_SQRT(v) + eps)) * rect;
    *p = w - u;
}

/* Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms", Algorithm 2):
 *   p <- p (1 - lr wd);  c = beta1 m + (1 - beta1) g;  p <- p - lr sign(c);  m <- beta2 m + (1 - beta2) g
 * h: [0] lr [1] beta1 [2] beta2 [3] weight decay [4] 1 - beta1 [5] 1 - beta2 */
KILN_FN void kiln_lion(KILN_GLOBAL float* p, float g, KILN_GLOBAL float* exp_avg, const float* h) {
    float lr = h[0], beta1 = h[1], beta2 = h[2], wd = h[3];
    float w = *p;
    if (wd != 0.0f) w = w * (1.0f - lr * wd);
    float m = *exp_avg;
    float c = beta1 * m + h[4] * g;
    float sign = c > 0.0f ? 1.0f : (c < 0.0f ? -1.0f : 0.0f);
    *p = w + -lr * sign;
    *exp_avg = beta2 * m + h[5] * g;
}

#endif /* KILN_OPTIM_H */
