package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.Tolerance;
import dev.kiln.backend.Activation;
import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.Dataset;
import dev.kiln.nn.Dense;
import dev.kiln.nn.Layer;
import dev.kiln.nn.Loss;
import dev.kiln.nn.Model;
import dev.kiln.nn.ParameterLayout;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The trainer's backward pass on the CPU backend against central finite differences of a float64
 * reference forward written here: dL/dθ_k ≈ (L(θ + h e_k) - L(θ - h e_k)) / 2h with h = 1e-5, whose
 * truncation error h² L'''/6 and rounding error 1e-16 L / h are both below 1e-9, far under the float32
 * gradient's own error, which the tolerance is set for.
 */
class GradientCheckTest {
    /**
     * float32 backward vs exact gradient: the values are O(1e-3 - 1e-1); float rounding through three layers
     * leaves about 1e-8 absolute (measured: at most 1.5e-8 here).
     */
    static final Tolerance GRADIENT = new Tolerance(1e-7, 1e-5);
    static final int ROWS = 6;
    static final double H = 1e-5;

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource(delimiter = ';', value = {
        "4:relu,3:tanh,3:softmax; softmax_cross_entropy",
        "5:sigmoid,4:gelu,3:softmax; softmax_cross_entropy",
        "4:leaky_relu(0.1),3:sigmoid,2:sigmoid; bce",
        "4:relu,1:sigmoid; bce",
        "4:gelu,3:linear,2:linear; mse",
        "4:softmax,3:tanh,2:tanh; mse",
        "4:tanh,3:softmax; mse",
        "4:relu,dropout:0.3,3:leaky_relu,2:linear; mse",
    })
    void backwardMatchesFiniteDifferences(String layers, String lossName) {
        Model model = Model.parse(layers, 3, Loss.parse(lossName));
        SplittableRandom rng = new SplittableRandom(layers.hashCode());
        ParameterLayout layout = model.layout();
        float[] params = new float[layout.size()];
        for (int i = 0; i < params.length; i++) params[i] = (float) (rng.nextDouble() * 1.6 - 0.8);   // biases too
        Dataset batch = batch(model, rng);

        float[] grad;
        double lossF;
        try (Backend b = new CpuBackendProvider().create(-1);
             Trainer t = new Trainer(b, model, TrainConfig.builder().batchSize(ROWS).build())) {
            t.setParameters(params);
            BatchGradients g = t.gradients(batch);
            grad = g.gradients();
            lossF = g.loss();
        }
        double[] theta = Tolerance.toDouble(params);
        Reference ref = new Reference(model, batch);
        Tolerance.ELEMENTWISE.assertClose("batch loss", ref.loss(theta), lossF);
        assertTrue(ref.minKinkDistance > 1e-3, "a ReLU input lies within " + ref.minKinkDistance + " of its kink; pick other data");
        double[] numeric = new double[theta.length];
        for (int k = 0; k < theta.length; k++) {
            double keep = theta[k];
            theta[k] = keep + H;
            double up = ref.loss(theta);
            theta[k] = keep - H;
            double down = ref.loss(theta);
            theta[k] = keep;
            numeric[k] = (up - down) / (2 * H);
        }
        GRADIENT.assertClose(layers + " / " + lossName + " gradient", numeric, Tolerance.toDouble(grad));
        double norm = 0;
        for (double v : numeric) norm += v * v;
        assertTrue(norm > 1e-4, "the gradient should not be trivially zero");
    }

    private static Dataset batch(Model model, SplittableRandom rng) {
        int in = model.inputSize(), out = model.outputSize();
        float[] x = new float[ROWS * in], y = new float[ROWS * out];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        boolean classes = model.loss() == Loss.SOFTMAX_CROSS_ENTROPY;
        for (int r = 0; r < ROWS; r++) {
            if (classes) y[r * out + rng.nextInt(out)] = 1f;
            else for (int j = 0; j < out; j++)
                y[r * out + j] = model.loss() == Loss.BINARY_CROSS_ENTROPY ? rng.nextInt(2) : (float) (rng.nextDouble() - 0.5);
        }
        return new Dataset("batch", x, in, y, out, classes ? out : 0, List.of(), List.of());
    }

    /** The mean batch loss in double precision, straight from the definitions. */
    static final class Reference {
        final Model model;
        final Dataset data;
        double minKinkDistance = Double.POSITIVE_INFINITY;

        Reference(Model model, Dataset data) {
            this.model = model;
            this.data = data;
        }

        double loss(double[] theta) {
            ParameterLayout p = model.layout();
            int in0 = model.inputSize(), outCols = model.outputSize();
            double total = 0;
            for (int r = 0; r < data.rows(); r++) {
                double[] a = new double[in0];
                for (int i = 0; i < in0; i++) a[i] = data.features()[r * in0 + i];
                double[] z = null;
                int k = 0;
                for (Layer layer : model.layers()) {
                    if (!(layer instanceof Dense d)) continue;     // dropout is the identity when not training
                    int in = p.in(k), out = p.out(k), wo = p.weightOffset(k), bo = p.biasOffset(k);
                    z = new double[out];
                    for (int j = 0; j < out; j++) {
                        double s = theta[bo + j];
                        for (int i = 0; i < in; i++) s += theta[wo + j * in + i] * a[i];
                        z[j] = s;
                    }
                    a = activate(d.activation(), d.slope(), z);
                    k++;
                }
                double[] y = new double[outCols];
                for (int j = 0; j < outCols; j++) y[j] = data.targets()[r * outCols + j];
                total += rowLoss(model.loss(), z, a, y);
            }
            return total / data.rows();
        }

        double[] activate(Activation act, float slope, double[] z) {
            double[] a = new double[z.length];
            if (act == Activation.SOFTMAX) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (double v : z) max = Math.max(max, v);
                for (int j = 0; j < z.length; j++) sum += a[j] = Math.exp(z[j] - max);
                for (int j = 0; j < z.length; j++) a[j] /= sum;
                return a;
            }
            for (int j = 0; j < z.length; j++) {
                double v = z[j];
                if (act == Activation.RELU || act == Activation.LEAKY_RELU) minKinkDistance = Math.min(minKinkDistance, Math.abs(v));
                a[j] = switch (act) {
                    case LINEAR -> v;
                    case RELU -> Math.max(v, 0);
                    case LEAKY_RELU -> v > 0 ? v : (double) slope * v;
                    case SIGMOID -> 1 / (1 + Math.exp(-v));
                    case TANH -> Math.tanh(v);
                    case GELU -> 0.5 * v * (1 + erf(v / Math.sqrt(2)));
                    default -> throw new IllegalStateException(act.toString());
                };
            }
            return a;
        }

        static double rowLoss(Loss loss, double[] z, double[] a, double[] y) {
            double s = 0;
            switch (loss) {
                case SOFTMAX_CROSS_ENTROPY -> {
                    // logsumexp(z) - sum_j y_j z_j
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (double v : z) max = Math.max(max, v);
                    for (double v : z) sum += Math.exp(v - max);
                    s = max + Math.log(sum);
                    for (int j = 0; j < z.length; j++) s -= y[j] * z[j];
                }
                case BINARY_CROSS_ENTROPY -> {
                    // the mean over the outputs, as torch's BCEWithLogitsLoss averages over every element
                    for (int j = 0; j < z.length; j++) s += Math.max(z[j], 0) - z[j] * y[j] + Math.log1p(Math.exp(-Math.abs(z[j])));
                    s /= z.length;
                }
                case MSE -> {
                    for (int j = 0; j < a.length; j++) s += (a[j] - y[j]) * (a[j] - y[j]);
                    s /= a.length;
                }
            }
            return s;
        }

        /** erf by its Maclaurin series, 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1)): exact to ~1e-15 for |x| < 3. */
        static double erf(double x) {
            assertTrue(Math.abs(x) < 3, "erf series used outside |x| < 3: " + x);
            double term = x, sum = x;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-18; n++) {
                term *= -x * x / n;
                sum += term / (2 * n + 1);
            }
            return 2 / Math.sqrt(Math.PI) * sum;
        }
    }
}
