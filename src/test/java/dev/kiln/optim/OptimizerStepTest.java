package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.Tolerance;
import dev.kiln.backend.UpdateRule;
import dev.kiln.backend.UpdateScalars;
import dev.kiln.backend.cpu.CpuUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every optimizer and option: 25 float32 steps of the CPU update (the twin of the kernels) on a fixed
 * 7-element parameter vector with a fixed gradient sequence, against the double-precision {@link Reference}
 * written from the torch.optim formulas, element-wise within {@link Tolerance#OPTIMIZER} after every step.
 */
class OptimizerStepTest {
    static final int STEPS = 25;
    static final int N = 7;
    static final double[] P0 = {1.2, -0.8, 0.5, -1.5, 2.0, -0.6, 0.9};
    static final double[][] GRADS = gradients();

    /** A fixed gradient sequence: oscillating, of several scales, shrinking every 4th step (so AMSGrad's max matters). */
    static double[][] gradients() {
        double[][] g = new double[STEPS][N];
        for (int t = 1; t <= STEPS; t++)
            for (int i = 0; i < N; i++)
                g[t - 1][i] = (1 + 0.25 * i) * Math.sin(0.9 * t + 1.7 * i) * (t % 4 == 0 ? 0.2 : 1.0) + 0.05 * (i - 3);
        return g;
    }

    static final LongToDoubleFunction OWN = t -> Double.NaN;

    /** One optimizer configuration, the reference for it, and the configuration it varies (null for a base). */
    record Case(String name, Optimizer optimizer, Reference reference, String base) {
        @Override public String toString() { return name; }
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // SGD
        c.add(new Case("sgd", Sgd.plain(0.02), Reference.sgd(0, 0, 0, false, false), null));
        c.add(new Case("sgd momentum", new Sgd(0.01, 0.9, 0, 0, false, false), Reference.sgd(0.9, 0, 0, false, false), "sgd"));
        c.add(new Case("sgd dampening", new Sgd(0.01, 0.9, 0.3, 0, false, false), Reference.sgd(0.9, 0.3, 0, false, false), "sgd momentum"));
        c.add(new Case("sgd nesterov", new Sgd(0.01, 0.9, 0, 0, true, false), Reference.sgd(0.9, 0, 0, true, false), "sgd momentum"));
        c.add(new Case("sgd weight_decay", new Sgd(0.02, 0, 0, 0.1, false, false), Reference.sgd(0, 0, 0.1, false, false), "sgd"));
        c.add(new Case("sgd maximize", new Sgd(0.02, 0, 0, 0, false, true), Reference.sgd(0, 0, 0, false, true), "sgd"));
        c.add(new Case("sgd all", new Sgd(0.01, 0.8, 0, 0.05, true, true), Reference.sgd(0.8, 0, 0.05, true, true), "sgd nesterov"));
        // Adagrad
        c.add(new Case("adagrad", Adagrad.of(0.05), Reference.adagrad(0, 0, 0, 1e-10), null));
        c.add(new Case("adagrad lr_decay", new Adagrad(0.05, 0.1, 0, 0, 1e-10), Reference.adagrad(0.1, 0, 0, 1e-10), "adagrad"));
        c.add(new Case("adagrad weight_decay", new Adagrad(0.05, 0, 0.2, 0, 1e-10), Reference.adagrad(0, 0.2, 0, 1e-10), "adagrad"));
        c.add(new Case("adagrad initial_accumulator_value", new Adagrad(0.05, 0, 0, 0.5, 1e-10), Reference.adagrad(0, 0, 0.5, 1e-10), "adagrad"));
        c.add(new Case("adagrad eps", new Adagrad(0.05, 0, 0, 0, 0.1), Reference.adagrad(0, 0, 0, 0.1), "adagrad"));
        // Adadelta
        c.add(new Case("adadelta", Adadelta.defaults(), Reference.adadelta(0.9, 1e-6, 0), null));
        c.add(new Case("adadelta lr", new Adadelta(0.5, 0.9, 1e-6, 0), Reference.adadelta(0.9, 1e-6, 0), "adadelta"));
        c.add(new Case("adadelta rho", new Adadelta(1, 0.5, 1e-6, 0), Reference.adadelta(0.5, 1e-6, 0), "adadelta"));
        c.add(new Case("adadelta eps", new Adadelta(1, 0.9, 1e-4, 0), Reference.adadelta(0.9, 1e-4, 0), "adadelta"));
        c.add(new Case("adadelta weight_decay", new Adadelta(1, 0.9, 1e-6, 0.5), Reference.adadelta(0.9, 1e-6, 0.5), "adadelta"));
        // RMSprop
        c.add(new Case("rmsprop", RmsProp.of(0.005), Reference.rmsprop(0.99, 1e-8, 0, 0, false), null));
        c.add(new Case("rmsprop alpha", new RmsProp(0.005, 0.9, 1e-8, 0, 0, false), Reference.rmsprop(0.9, 1e-8, 0, 0, false), "rmsprop"));
        c.add(new Case("rmsprop eps", new RmsProp(0.005, 0.99, 0.1, 0, 0, false), Reference.rmsprop(0.99, 0.1, 0, 0, false), "rmsprop"));
        c.add(new Case("rmsprop weight_decay", new RmsProp(0.005, 0.99, 1e-8, 0.1, 0, false), Reference.rmsprop(0.99, 1e-8, 0.1, 0, false), "rmsprop"));
        c.add(new Case("rmsprop momentum", new RmsProp(0.002, 0.99, 1e-8, 0, 0.9, false), Reference.rmsprop(0.99, 1e-8, 0, 0.9, false), "rmsprop"));
        c.add(new Case("rmsprop centered", new RmsProp(0.005, 0.99, 1e-8, 0, 0, true), Reference.rmsprop(0.99, 1e-8, 0, 0, true), "rmsprop"));
        c.add(new Case("rmsprop all", new RmsProp(0.002, 0.9, 1e-6, 0.1, 0.5, true), Reference.rmsprop(0.9, 1e-6, 0.1, 0.5, true), "rmsprop centered"));
        // Adam, AdamW
        c.add(new Case("adam", Adam.of(0.01), Reference.adam(0.9, 0.999, 1e-8, 0, false, false), null));
        c.add(new Case("adam betas", new Adam(0.01, 0.5, 0.9, 1e-8, 0, false), Reference.adam(0.5, 0.9, 1e-8, 0, false, false), "adam"));
        c.add(new Case("adam eps", new Adam(0.01, 0.9, 0.999, 0.1, 0, false), Reference.adam(0.9, 0.999, 0.1, 0, false, false), "adam"));
        c.add(new Case("adam weight_decay", new Adam(0.01, 0.9, 0.999, 1e-8, 0.5, false), Reference.adam(0.9, 0.999, 1e-8, 0.5, false, false), "adam"));
        c.add(new Case("adam amsgrad", new Adam(0.01, 0.5, 0.9, 1e-8, 0, true), Reference.adam(0.5, 0.9, 1e-8, 0, false, true), "adam betas"));
        c.add(new Case("adamw", AdamW.of(0.01), Reference.adam(0.9, 0.999, 1e-8, 0.01, true, false), "adam"));
        c.add(new Case("adamw weight_decay", new AdamW(0.01, 0.9, 0.999, 1e-8, 0.5, false), Reference.adam(0.9, 0.999, 1e-8, 0.5, true, false), "adamw"));
        c.add(new Case("adamw amsgrad", new AdamW(0.01, 0.9, 0.99, 1e-8, 0.1, true), Reference.adam(0.9, 0.99, 1e-8, 0.1, true, true), "adamw"));
        // NAdam
        c.add(new Case("nadam", NAdam.of(0.01), Reference.nadam(0.9, 0.999, 1e-8, 0, 4e-3, false), null));
        c.add(new Case("nadam betas", new NAdam(0.01, 0.8, 0.99, 1e-8, 0, 4e-3, false), Reference.nadam(0.8, 0.99, 1e-8, 0, 4e-3, false), "nadam"));
        c.add(new Case("nadam momentum_decay", new NAdam(0.01, 0.9, 0.999, 1e-8, 0, 0.5, false), Reference.nadam(0.9, 0.999, 1e-8, 0, 0.5, false), "nadam"));
        c.add(new Case("nadam weight_decay", new NAdam(0.01, 0.9, 0.999, 1e-8, 0.5, 4e-3, false), Reference.nadam(0.9, 0.999, 1e-8, 0.5, 4e-3, false), "nadam"));
        c.add(new Case("nadam decoupled_weight_decay", new NAdam(0.01, 0.9, 0.999, 1e-8, 0.5, 4e-3, true), Reference.nadam(0.9, 0.999, 1e-8, 0.5, 4e-3, true), "nadam weight_decay"));
        // RAdam
        c.add(new Case("radam", RAdam.of(0.01), Reference.radam(0.9, 0.999, 1e-8, 0, false), null));
        c.add(new Case("radam betas", new RAdam(0.01, 0.8, 0.99, 1e-8, 0, false), Reference.radam(0.8, 0.99, 1e-8, 0, false), "radam"));
        c.add(new Case("radam eps", new RAdam(0.01, 0.9, 0.999, 0.1, 0, false), Reference.radam(0.9, 0.999, 0.1, 0, false), "radam"));
        c.add(new Case("radam weight_decay", new RAdam(0.01, 0.9, 0.999, 1e-8, 0.5, false), Reference.radam(0.9, 0.999, 1e-8, 0.5, false), "radam"));
        c.add(new Case("radam decoupled_weight_decay", new RAdam(0.01, 0.9, 0.999, 1e-8, 0.5, true), Reference.radam(0.9, 0.999, 1e-8, 0.5, true), "radam weight_decay"));
        // Lion
        c.add(new Case("lion", Lion.of(0.01), Reference.lion(0.9, 0.99, 0), null));
        c.add(new Case("lion betas", new Lion(0.01, 0.99, 0.9, 0), Reference.lion(0.99, 0.9, 0), "lion"));
        c.add(new Case("lion weight_decay", new Lion(0.01, 0.9, 0.99, 0.5), Reference.lion(0.9, 0.99, 0.5), "lion"));
        return c;
    }

    static Stream<Case> allCases() { return cases().stream(); }

    /** Runs the optimizer through CpuUpdate in float32 and returns the parameters after every step. */
    static float[][] runFloat(Optimizer opt, LongToDoubleFunction lr, LongToDoubleFunction mom) {
        UpdateRule rule = opt.rule();
        float[] p = new float[N];
        for (int i = 0; i < N; i++) p[i] = (float) P0[i];
        float[][] s = new float[3][N];
        for (int k = 0; k < rule.stateCount(); k++) java.util.Arrays.fill(s[k], opt.initialState(k));
        UpdateScalars sc = new UpdateScalars();
        float[][] out = new float[STEPS][];
        float[] g = new float[N];
        for (int t = 1; t <= STEPS; t++) {
            for (int i = 0; i < N; i++) g[i] = (float) GRADS[t - 1][i];
            opt.scalars(t, lr.applyAsDouble(t), mom.applyAsDouble(t), sc);
            CpuUpdate.apply(rule, p, g, s, 0, N, sc, 1f);
            out[t - 1] = p.clone();
        }
        return out;
    }

    static void assertTrajectory(String what, double[][] expected, float[][] actual) {
        for (int t = 0; t < STEPS; t++)
            Tolerance.OPTIMIZER.assertClose(what + ", step " + (t + 1), expected[t], Tolerance.toDouble(actual[t]));
    }

    /** The float inputs as the float run sees them: the reference starts from the same rounded values. */
    static double[] p0() {
        double[] p = new double[N];
        for (int i = 0; i < N; i++) p[i] = (float) P0[i];
        return p;
    }

    static double[][] grads() {
        double[][] g = new double[STEPS][N];
        for (int t = 0; t < STEPS; t++) for (int i = 0; i < N; i++) g[t][i] = (float) GRADS[t][i];
        return g;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void constantRateMatchesTheFormula(Case c) {
        LongToDoubleFunction lr = t -> c.optimizer().lr();
        double[][] expected = c.reference().run(p0(), grads(), lr, OWN);
        assertTrajectory(c.name(), expected, runFloat(c.optimizer(), lr, OWN));
    }

    /** A rate that changes every step: the update must use the step's rate, not the base one. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void scheduledRateIsTakenPerStep(Case c) {
        double base = c.optimizer().lr();
        LongToDoubleFunction lr = t -> base * (1 + 0.6 * Math.sin(0.8 * t));
        double[][] expected = c.reference().run(p0(), grads(), lr, OWN);
        assertTrajectory(c.name() + " (scheduled lr)", expected, runFloat(c.optimizer(), lr, OWN));
        double[][] constant = c.reference().run(p0(), grads(), t -> base, OWN);
        assertDiffers(c.name() + ": the schedule", constant[STEPS - 1], expected[STEPS - 1]);
    }

    static Stream<Case> momentumCases() {
        return allCases().filter(c -> switch (c.optimizer().rule()) {
            case ADAGRAD, ADADELTA -> false;
            case RMSPROP, SGD -> c.name().contains("momentum") || c.name().contains("nesterov") || c.name().contains("all");
            default -> true;
        });
    }

    /** Momentum / beta1 following a schedule (one-cycle's momentum cycling) replaces the optimizer's own. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("momentumCases")
    void scheduledMomentumIsTakenPerStep(Case c) {
        LongToDoubleFunction lr = t -> c.optimizer().lr();
        LongToDoubleFunction mom = t -> 0.85 + 0.1 * Math.cos(t);
        double[][] expected = c.reference().run(p0(), grads(), lr, mom);
        assertTrajectory(c.name() + " (scheduled momentum)", expected, runFloat(c.optimizer(), lr, mom));
        double[][] own = c.reference().run(p0(), grads(), lr, OWN);
        assertDiffers(c.name() + ": the momentum schedule", own[STEPS - 1], expected[STEPS - 1]);
    }

    /** Each option case must change the result of the case it varies, or it would prove nothing. */
    @Test
    void everyOptionChangesTheTrajectory() {
        List<Case> cs = cases();
        for (Case c : cs) {
            if (c.base() == null) continue;
            Case base = cs.stream().filter(b -> b.name().equals(c.base())).findFirst().orElseThrow();
            LongToDoubleFunction lr = t -> c.optimizer().lr();
            double[] mine = c.reference().run(p0(), grads(), lr, OWN)[STEPS - 1];
            double[] theirs = base.reference().run(p0(), grads(), t -> base.optimizer().lr(), OWN)[STEPS - 1];
            assertDiffers(c.name() + " vs " + base.name(), theirs, mine);
        }
    }

    static void assertDiffers(String what, double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(a[i])));
        assertTrue(max > 1e-4, what + " changes nothing (max relative difference " + max + ")");
    }

    /** The float run must not hide a cancelled update: every case moves the parameters by a visible amount. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void everyCaseMovesTheParameters(Case c) {
        float[][] run = runFloat(c.optimizer(), t -> c.optimizer().lr(), OWN);
        assertDiffers(c.name() + ": the update", P0, Tolerance.toDouble(run[STEPS - 1]));
    }

    /** The backend splits one update across threads: a range split gives the same bits. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void rangeSplitIsExact(Case c) {
        UpdateRule rule = c.optimizer().rule();
        float[] p1 = new float[N], p2 = new float[N], g = new float[N];
        float[][] s1 = new float[3][N], s2 = new float[3][N];
        for (int i = 0; i < N; i++) { p1[i] = p2[i] = (float) P0[i]; }
        UpdateScalars sc = new UpdateScalars();
        for (int t = 1; t <= 5; t++) {
            for (int i = 0; i < N; i++) g[i] = (float) GRADS[t - 1][i];
            c.optimizer().scalars(t, c.optimizer().lr(), Double.NaN, sc);
            CpuUpdate.apply(rule, p1, g, s1, 0, N, sc, 1f);
            CpuUpdate.apply(rule, p2, g, s2, 0, 3, sc, 1f);
            CpuUpdate.apply(rule, p2, g, s2, 3, N, sc, 1f);
        }
        assertArrayEquals(p1, p2);
        for (int k = 0; k < 3; k++) assertArrayEquals(s1[k], s2[k]);
    }

    @Test
    void adagradStartsItsSumAtTheInitialAccumulatorValue() {
        Adagrad a = new Adagrad(0.1, 0, 0, 0.25, 1e-10);
        assertEquals(0.25f, a.initialState(0));
        assertThrows(IndexOutOfBoundsException.class, () -> a.initialState(1));
        assertEquals(0f, Adam.of(1e-3).initialState(2));
        assertThrows(IndexOutOfBoundsException.class, () -> Adam.of(1e-3).initialState(3));
    }

    @Test
    void radamRectifiesOnlyOnceRhoExceedsFive() {
        RAdam r = RAdam.of(1e-3);
        double beta2 = 0.999, rhoInf = 2 / (1 - beta2) - 1;
        for (long t = 1; t <= 10; t++) {
            double rhoT = rhoInf - 2 * t * Math.pow(beta2, t) / (1 - Math.pow(beta2, t));
            if (rhoT > 5) assertTrue(r.rectification(t) > 0, "step " + t);
            else assertEquals(0.0, r.rectification(t), "step " + t);
        }
        assertEquals(0.0, r.rectification(5));   // rho_5 = 4.996: the first five steps are unrectified
        assertTrue(r.rectification(6) > 0);
        // rho_t -> rho_oo, so r_t -> 1
        assertEquals(1.0, r.rectification(1_000_000), 1e-3);
    }

    /** NAdam's host-side product of mu_i: a jump in t (a resumed run) recomputes what consecutive steps built. */
    @Test
    void nadamProductSurvivesJumps() {
        NAdam walked = NAdam.of(0.01);
        UpdateScalars a = new UpdateScalars(), b = new UpdateScalars();
        for (long t = 1; t <= 40; t++) walked.scalars(t, 0.01, Double.NaN, a);
        NAdam.of(0.01).scalars(40, 0.01, Double.NaN, b);
        assertArrayEquals(a.hyper, b.hyper);
        walked.scalars(40, 0.01, Double.NaN, a);             // the same step again
        assertArrayEquals(b.hyper, a.hyper);
        walked.scalars(7, 0.01, Double.NaN, a);              // back to an earlier step
        NAdam.of(0.01).scalars(7, 0.01, Double.NaN, b);
        assertArrayEquals(b.hyper, a.hyper);
        // a long run: the product has vanished, the coefficients are those of the limit 1 - P_t = 1
        NAdam.of(0.01).scalars(100_000, 0.01, Double.NaN, b);
        double mu = NAdam.mu(0.9, 4e-3, 100_000), muNext = NAdam.mu(0.9, 4e-3, 100_001);
        assertEquals((float) (0.01 * (1 - mu)), b.hyper[9]);
        assertEquals((float) (0.01 * muNext), b.hyper[10]);
    }

    /** Unused hyper slots are zeroed, so a rule never reads another optimizer's values. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void unusedSlotsAreCleared(Case c) {
        UpdateScalars sc = new UpdateScalars();
        java.util.Arrays.fill(sc.hyper, 7f);
        c.optimizer().scalars(1, c.optimizer().lr(), Double.NaN, sc);
        assertEquals(0f, sc.hyper[UpdateScalars.HYPER - 1], "slot 11 is used by no rule");
    }

    @Test
    void stepsCountFromOne() {
        for (Case c : cases()) assertThrows(IllegalArgumentException.class,
                () -> c.optimizer().scalars(0, 0.1, Double.NaN, new UpdateScalars()), c.name());
    }

    static Stream<Arguments> stateNames() {
        return Stream.of(
                Arguments.of(Sgd.plain(0.1), List.of("momentum_buffer")),
                Arguments.of(Adagrad.of(0.1), List.of("sum")),
                Arguments.of(Adadelta.defaults(), List.of("square_avg", "acc_delta")),
                Arguments.of(RmsProp.of(0.1), List.of("square_avg", "momentum_buffer", "grad_avg")),
                Arguments.of(Adam.of(0.1), List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq")),
                Arguments.of(AdamW.of(0.1), List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq")),
                Arguments.of(NAdam.of(0.1), List.of("exp_avg", "exp_avg_sq")),
                Arguments.of(RAdam.of(0.1), List.of("exp_avg", "exp_avg_sq")),
                Arguments.of(Lion.of(0.1), List.of("exp_avg")));
    }

    @ParameterizedTest
    @MethodSource("stateNames")
    void stateTensorsAreNamedAsPyTorch(Optimizer opt, List<String> names) {
        OptimizerState st = OptimizerState.of(opt);
        assertEquals(names, st.names());
        assertEquals(opt.rule().stateCount(), st.size());
        assertEquals(names.size() - 1, st.indexOf(names.get(names.size() - 1)));
        assertEquals("layers.0.weight." + names.get(0), st.tensorName("layers.0.weight", 0));
        assertThrows(IllegalArgumentException.class, () -> st.indexOf("nope"));
    }

    @Test
    void adagradStateStartsAtItsInitialValue() {
        assertEquals(List.of(0.5f), OptimizerState.of(new Adagrad(0.1, 0, 0, 0.5, 1e-10)).initial());
        assertEquals(List.of(0f, 0f, 0f), OptimizerState.of(Adam.of(0.1)).initial());
    }
}
