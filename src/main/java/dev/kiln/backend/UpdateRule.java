package dev.kiln.backend;

/**
 * The fused optimizer updates a backend implements, each one kernel over the flat parameter buffer
 * ({@code kiln_update_<name>} in kernels/common/kiln_optim.h). The host computes every step-dependent
 * scalar (learning rate, bias corrections) and passes them in {@link UpdateScalars#hyper}; the meaning of
 * each hyper slot is documented on the rule and written by the matching {@code dev.kiln.optim} class.
 */
public enum UpdateRule {
    /**
     * torch.optim.SGD. state0 = momentum buffer. hyper: [0] lr, [1] momentum, [2] dampening, [3] weight decay,
     * [4] nesterov (0/1), [5] first step (1 on the first step: buf = g, as PyTorch), [6] maximize (0/1).
     */
    SGD(1),
    /** torch.optim.Adagrad. state0 = sum. hyper: [0] clr = lr / (1 + (t-1) lr_decay), [1] weight decay, [2] eps. */
    ADAGRAD(1),
    /**
     * torch.optim.Adadelta. state0 = square_avg, state1 = acc_delta. hyper: [0] lr, [1] rho, [2] eps, [3] weight decay,
     * [4] 1 - rho (computed in double on the host).
     */
    ADADELTA(2),
    /**
     * torch.optim.RMSprop. state0 = square_avg, state1 = momentum buffer, state2 = grad_avg (centered).
     * hyper: [0] lr, [1] alpha, [2] eps, [3] weight decay, [4] momentum, [5] centered (0/1), [6] 1 - alpha (computed in
     * double on the host).
     */
    RMSPROP(3),
    /**
     * torch.optim.Adam / AdamW. state0 = exp_avg, state1 = exp_avg_sq, state2 = max_exp_avg_sq (amsgrad).
     * hyper: [0] lr, [1] beta1, [2] beta2, [3] eps, [4] weight decay (L2, Adam), [5] decoupled weight decay
     * factor lr*wd (AdamW), [6] bias_correction1 = 1 - beta1^t, [7] bias_correction2 = 1 - beta2^t, [8] amsgrad (0/1),
     * [9] 1 - beta1, [10] 1 - beta2 (both computed in double on the host: 1.0f - 0.999f is 4.7e-5 off 0.001).
     */
    ADAM(3),
    /**
     * torch.optim.NAdam. state0 = exp_avg, state1 = exp_avg_sq. hyper: [0] lr, [1] beta1, [2] 1 - beta1, [3] beta2,
     * [4] 1 - beta2, [5] eps, [6] weight decay (L2), [7] decoupled weight decay factor lr*wd,
     * [8] bias_correction2 = 1 - beta2^t, [9] grad coefficient lr (1 - mu_t) / (1 - prod_{i&lt;=t} mu_i),
     * [10] momentum coefficient lr mu_{t+1} / (1 - prod_{i&lt;=t+1} mu_i); mu_t and the product: dev.kiln.optim.NAdam.
     */
    NADAM(2),
    /**
     * torch.optim.RAdam. state0 = exp_avg, state1 = exp_avg_sq. hyper: [0] lr, [1] beta1, [2] 1 - beta1, [3] beta2,
     * [4] 1 - beta2, [5] eps, [6] weight decay (L2), [7] decoupled weight decay factor lr*wd,
     * [8] bias_correction1 = 1 - beta1^t, [9] sqrt(1 - beta2^t), [10] rectification r_t, 0 when rho_t &lt;= 5 (the
     * un-adapted step); rho_t and r_t: dev.kiln.optim.RAdam.
     */
    RADAM(2),
    /**
     * Lion (Chen et al. 2023). state0 = exp_avg. hyper: [0] lr, [1] beta1, [2] beta2, [3] weight decay, [4] 1 - beta1,
     * [5] 1 - beta2.
     */
    LION(1);

    private final int states;

    UpdateRule(int states) { this.states = states; }

    /** Number of state buffers, each with the parameter layout. */
    public int stateCount() { return states; }

    /** The kernel name in CUDA and OpenCL. */
    public String kernelName() { return "kiln_update_" + name().toLowerCase(java.util.Locale.ROOT); }
}
