package dev.kiln.optim;

import java.util.function.LongToDoubleFunction;

/**
 * Double-precision implementations of the torch.optim algorithm boxes, written from the documented
 * formulas (not from the kernels), for the optimizer tests. Each runs {@code grads.length} steps from
 * {@code p0} with the learning rate {@code lr.applyAsDouble(t)} and the scheduled momentum/beta1
 * {@code mom.applyAsDouble(t)} (NaN: the optimizer's own) at step t = 1, 2, ..., and returns the parameters
 * after every step.
 */
@FunctionalInterface
interface Reference {
    double[][] run(double[] p0, double[][] grads, LongToDoubleFunction lr, LongToDoubleFunction mom);

    private static double own(double scheduled, double own) { return Double.isNaN(scheduled) ? own : scheduled; }

    /** torch.optim.SGD. */
    static Reference sgd(double momentum, double dampening, double wd, boolean nesterov, boolean maximize) {
        return (p0, grads, lr, mom) -> {
            int n = p0.length;
            double[] p = p0.clone(), b = new double[n];
            double[][] out = new double[grads.length][];
            for (int t = 1; t <= grads.length; t++) {
                double mu = own(mom.applyAsDouble(t), momentum);
                for (int i = 0; i < n; i++) {
                    double g = grads[t - 1][i];
                    if (maximize) g = -g;
                    g += wd * p[i];
                    if (mu != 0) {
                        b[i] = t == 1 ? g : mu * b[i] + (1 - dampening) * g;
                        g = nesterov ? g + mu * b[i] : b[i];
                    }
                    p[i] -= lr.applyAsDouble(t) * g;
                }
                out[t - 1] = p.clone();
            }
            return out;
        };
    }

    /** torch.optim.Adagrad. */
    static Reference adagrad(double lrDecay, double wd, double init, double eps) {
        return (p0, grads, lr, mom) -> {
            int n = p0.length;
            double[] p = p0.clone(), sum = new double[n];
            java.util.Arrays.fill(sum, init);
            double[][] out = new double[grads.length][];
            for (int t = 1; t <= grads.length; t++) {
                double clr = lr.applyAsDouble(t) / (1 + (t - 1) * lrDecay);
                for (int i = 0; i < n; i++) {
                    double g = grads[t - 1][i] + wd * p[i];
                    sum[i] += g * g;
                    p[i] -= clr * g / (Math.sqrt(sum[i]) + eps);
                }
                out[t - 1] = p.clone();
            }
            return out;
        };
    }

    /** torch.optim.Adadelta. */
    static Reference adadelta(double rho, double eps, double wd) {
        return (p0, grads, lr, mom) -> {
            int n = p0.length;
            double[] p = p0.clone(), v = new double[n], u = new double[n];
            double[][] out = new double[grads.length][];
            for (int t = 1; t <= grads.length; t++) {
                for (int i = 0; i < n; i++) {
                    double g = grads[t - 1][i] + wd * p[i];
                    v[i] = rho * v[i] + (1 - rho) * g * g;
                    double dx = Math.sqrt(u[i] + eps) / Math.sqrt(v[i] + eps) * g;
                    u[i] = rho * u[i] + (1 - rho) * dx * dx;
                    p[i] -= lr.applyAsDouble(t) * dx;
                }
                out[t - 1] = p.clone();
            }
            return out;
        };
    }

    /** torch.optim.RMSprop. */
    static Reference rmsprop(double alpha, double eps, double wd, double momentum, boolean centered) {
        return (p0, grads, lr, mom) -> {
            int n = p0.length;
            double[] p = p0.clone(), v = new double[n], b = new double[n], ga = new double[n];
            double[][] out = new double[grads.length][];
            for (int t = 1; t <= grads.length; t++) {
                double mu = own(mom.applyAsDouble(t), momentum);
                for (int i = 0; i < n; i++) {
                    double g = grads[t - 1][i] + wd * p[i];
                    v[i] = alpha * v[i] + (1 - alpha) * g * g;
                    double vt = v[i];
                    if (centered) {
                        ga[i] = alpha * ga[i] + (1 - alpha) * g;
                        vt -= ga[i] * ga[i];
                    }
                    double denom = Math.sqrt(vt) + eps;
                    if (mu > 0) {
                        b[i] = mu * b[i] + g / denom;
                        p[i] -= lr.applyAsDouble(t) * b[i];
                    } else {
                        p[i] -= lr.applyAsDouble(t) * g / denom;
                    }
                }
                out[t - 1] = p.clone();
            }
            return out;
        };
    }

    /** torch.optim.Adam (decoupled = false) and AdamW (decoupled = true). */
    static Reference adam(double beta1, double beta2, double eps, double wd, boolean decoupled, boolean amsgrad) {
        return (p0, grads, lr, mom) -> {
            int n = p0.length;
            double[] p = p0.clone(), m = new double[n], v = new double[n], vmax = new double[n];
            double[][] out = new double[grads.length][];
            for (int t = 1; t <= grads.length; t++) {
                double b1 = own(mom.applyAsDouble(t), beta1), gamma = lr.applyAsDouble(t);
                for (int i = 0; i < n; i++) {
                    double g = grads[t - 1][i];
                    if (decoupled) p[i] *= 1 - gamma * wd;
                    else g += wd * p[i];
                    m[i] = b1 * m[i] + (1 - b1) * g;
                    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                    double mHat = m[i] / (1 - Math.pow(b1, t));
                    vmax[i] = Math.max(vmax[i], v[i]);
                    double vHat = (amsgrad ? vmax[i] : v[i]) / (1 - Math.pow(beta2, t));
                    p[i] -= gamma * mHat / (Math.sqrt(vHat) + eps);
                }
                out[t - 1] = p.clone();
            }
            return out;
        };
    }

    /** torch.optim.NAdam. */
    static Reference nadam(double beta1, double beta2, double eps, double wd, double psi, boolean decoupled) {
        return (p0, grads, lr, mom) -> {
            int n = p0.length;
            double[] p = p0.clone(), m = new double[n], v = new double[n];
            double[][] out = new double[grads.length][];
            double product = 1;
            for (int t = 1; t <= grads.length; t++) {
                double b1 = own(mom.applyAsDouble(t), beta1), gamma = lr.applyAsDouble(t);
                double muT = b1 * (1 - 0.5 * Math.pow(0.96, t * psi));
                double muNext = b1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * psi));
                product *= muT;
                for (int i = 0; i < n; i++) {
                    double g = grads[t - 1][i];
                    if (decoupled) p[i] *= 1 - gamma * wd;
                    else g += wd * p[i];
                    m[i] = b1 * m[i] + (1 - b1) * g;
                    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                    double mHat = muNext * m[i] / (1 - product * muNext) + (1 - muT) * g / (1 - product);
                    double vHat = v[i] / (1 - Math.pow(beta2, t));
                    p[i] -= gamma * mHat / (Math.sqrt(vHat) + eps);
                }
                out[t - 1] = p.clone();
            }
            return out;
        };
    }

    /** torch.optim.RAdam. */
    static Reference radam(double beta1, double beta2, double eps, double wd, boolean decoupled) {
        return (p0, grads, lr, mom) -> {
            int n = p0.length;
            double[] p = p0.clone(), m = new double[n], v = new double[n];
            double[][] out = new double[grads.length][];
            double rhoInf = 2 / (1 - beta2) - 1;
            for (int t = 1; t <= grads.length; t++) {
                double b1 = own(mom.applyAsDouble(t), beta1), gamma = lr.applyAsDouble(t);
                double rhoT = rhoInf - 2 * t * Math.pow(beta2, t) / (1 - Math.pow(beta2, t));
                for (int i = 0; i < n; i++) {
                    double g = grads[t - 1][i];
                    if (decoupled) p[i] *= 1 - gamma * wd;
                    else g += wd * p[i];
                    m[i] = b1 * m[i] + (1 - b1) * g;
                    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                    double mHat = m[i] / (1 - Math.pow(b1, t));
                    if (rhoT > 5) {
                        double l = Math.sqrt(1 - Math.pow(beta2, t)) / (Math.sqrt(v[i]) + eps);
                        double r = Math.sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
                        p[i] -= gamma * mHat * l * r;
                    } else {
                        p[i] -= gamma * mHat;
                    }
                }
                out[t - 1] = p.clone();
            }
            return out;
        };
    }

    /** Lion (Chen et al. 2023, Algorithm 2). */
    static Reference lion(double beta1, double beta2, double wd) {
        return (p0, grads, lr, mom) -> {
            int n = p0.length;
            double[] p = p0.clone(), m = new double[n];
            double[][] out = new double[grads.length][];
            for (int t = 1; t <= grads.length; t++) {
                double b1 = own(mom.applyAsDouble(t), beta1), gamma = lr.applyAsDouble(t);
                for (int i = 0; i < n; i++) {
                    double g = grads[t - 1][i];
                    double c = b1 * m[i] + (1 - b1) * g;
                    p[i] = p[i] - gamma * (Math.signum(c) + wd * p[i]);
                    m[i] = beta2 * m[i] + (1 - beta2) * g;
                }
                out[t - 1] = p.clone();
            }
            return out;
        };
    }
}
