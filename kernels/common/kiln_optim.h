/*
 * kiln_optim.h: one per-element update function per optimizer, shared by CUDA and OpenCL.
 * Each follows the algorithm box of the torch.optim documentation; the host (dev.kiln.optim) computes
 * the learning rate and every bias correction and passes them in h[] (slot meanings: dev.kiln.backend.UpdateRule).
 * p, g and the state pointers address element i of buffers with the parameter layout.
 * Requires kiln_math.h first.
 */
#ifndef KILN_OPTIM_H
#define KILN_OPTIM_H

/* torch.optim.SGD:
 *   g <- g + wd p;  if mu != 0: b <- (first ? g : mu b + (1 - dampening) g);  g <- nesterov ? g + mu b : b
 *   p <- p - lr g   (maximize: p + lr g)
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

#endif /* KILN_OPTIM_H */
