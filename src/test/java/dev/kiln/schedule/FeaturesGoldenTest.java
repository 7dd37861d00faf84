package dev.kiln.schedule;

import dev.kiln.Tolerance;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The golden vectors of research/features.md section 3 (base lr 1), each written as a Kiln schedule. They
 * are printed there to about six significant digits, so they are compared to 5e-7 absolute; the same
 * sequences at full precision are in {@link SchedulesGoldenTest}. Where another library's convention
 * differs from PyTorch's, the row shows the Kiln text that reproduces it (e.g. Keras' milestone one step
 * later is {@code at=[b+1]}).
 */
class FeaturesGoldenTest {
    /** Six printed digits: half a unit in the sixth decimal place. */
    private static final Tolerance PRINTED = new Tolerance(5.000001e-7, 0);

    private record Row(String source, String spec, long stepsPerEpoch, long total, double... values) {}

    private static final List<Row> ROWS = List.of(
            // executed, PyTorch 1.13
            new Row("StepLR(3, 0.1)", "step:every=3", 1, 8, 1, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01),
            new Row("MultiStepLR([2,5], 0.1)", "multistep:at=[2,5]", 1, 7, 1, 1, 0.1, 0.1, 0.1, 0.01, 0.01),
            new Row("ExponentialLR(0.5)", "exp:gamma=0.5", 1, 5, 1, 0.5, 0.25, 0.125, 0.0625),
            new Row("ConstantLR(0.5, 3)", "constant:0.5 for 3 > constant", 1, 5, 0.5, 0.5, 0.5, 1, 1),
            new Row("LinearLR(0.25, 1.0, 4)", "linear:from=0.25,to=1,over=4", 1, 7, 0.25, 0.4375, 0.625, 0.8125, 1, 1, 1),
            new Row("PolynomialLR(4, power=2)", "poly:over=4,power=2", 1, 7, 1, 0.5625, 0.25, 0.0625, 0, 0, 0),
            new Row("CosineAnnealingLR(4, 0.1)", "cosine:over=4,min=0.1", 1, 11,
                    1, 0.868198, 0.55, 0.231802, 0.1, 0.231802, 0.55, 0.868198, 1.0, 0.868198, 0.55),
            new Row("CosineAnnealingWarmRestarts(2, 2)", "restarts:period=2,mult=2", 1, 15,
                    1, 0.5, 1, 0.853553, 0.5, 0.146447, 1, 0.96194, 0.853553, 0.691342, 0.5, 0.308658, 0.146447, 0.03806, 1),
            new Row("CyclicLR(0.1, 1.0, up=2, triangular)", "cyclic:min=0.1,up=2", 1, 9, 0.1, 0.55, 1, 0.55, 0.1, 0.55, 1, 0.55, 0.1),
            new Row("CyclicLR(0.1, 1.0, up=2, triangular2)", "cyclic:min=0.1,up=2,triangular2", 1, 13,
                    0.1, 0.55, 1, 0.55, 0.1, 0.325, 0.55, 0.325, 0.1, 0.2125, 0.325, 0.2125, 0.1),
            new Row("CyclicLR(0.1, 1.0, up=2, down=3, exp_range, 0.9)", "cyclic:min=0.1,up=2,down=3,exp_range,gamma=0.9", 1, 11,
                    0.1, 0.505, 0.829, 0.5374, 0.29683, 0.1, 0.339148, 0.530467, 0.35828, 0.216226, 0.1),
            new Row("OneCycleLR(1.0, total_steps=10)", "onecycle:over=10", 1, 10,
                    0.04, 0.52, 1.0, 0.950485, 0.811746, 0.611262, 0.388742, 0.188258, 0.049519, 4e-06),
            new Row("OneCycleLR(linear)", "onecycle:over=10,linear", 1, 10,
                    0.04, 0.52, 1.0, 0.857143, 0.714287, 0.57143, 0.428574, 0.285717, 0.142861, 4e-06),
            new Row("OneCycleLR(linear, three_phase)", "onecycle:over=10,linear,three_phase", 1, 10,
                    0.04, 0.52, 1.0, 0.52, 0.04, 0.032001, 0.024002, 0.016002, 0.008003, 4e-06),
            new Row("SequentialLR([LinearLR(0.1,1,3), ExponentialLR(0.5)], [3])", "warmup:3,from=0.1 > exp:gamma=0.5", 1, 7,
                    0.1, 0.4, 0.7, 1.0, 0.5, 0.25, 0.125),
            new Row("ChainedScheduler([ConstantLR(0.1,2), ExponentialLR(0.9)])", "(constant:0.1 for 2 > constant) * exp:gamma=0.9", 1, 5,
                    0.1, 0.09, 0.81, 0.729, 0.6561),
            // executed, timm (warmup_prefix / cycles written the Kiln way; timm's cycle_limit end is not compared)
            new Row("timm Cosine(t=4, min 0.1, warmup 2, warmup_prefix)", "warmup:2,from=0 > cosine:over=4,min=0.1,clamp", 1, 8,
                    0, 0.5, 1.0, 0.868198, 0.55, 0.231802, 0.1, 0.1),
            new Row("timm Cosine(t=2, cycle_mul 2, cycle_decay 0.5), first 14", "restarts:period=2,mult=2,decay=0.5", 1, 14,
                    1, 0.5, 0.5, 0.426777, 0.25, 0.073223, 0.25, 0.240485, 0.213388, 0.172835, 0.125, 0.077165, 0.036612, 0.009515),
            new Row("timm Poly(t=4, power 0.5)", "poly:over=4,power=0.5", 1, 6, 1, 0.866025, 0.707107, 0.5, 0, 0),
            // transcribed: Keras
            new Row("Keras ExponentialDecay(1, 2, 0.5)", "exp:gamma=0.5,every=2", 1, 5, 1, 0.707107, 0.5, 0.353553, 0.25),
            new Row("Keras ExponentialDecay staircase", "exp:gamma=0.5,every=2,staircase", 1, 5, 1, 1, 0.5, 0.5, 0.25),
            new Row("Keras PiecewiseConstantDecay([2,4], [1,0.5,0.1]): boundaries + 1", "multistep:at=[3,5],values=[1,0.5,0.1]", 1, 6,
                    1, 1, 1, 0.5, 0.5, 0.1),
            new Row("Keras PolynomialDecay(1, 4, 0, 1, cycle)", "poly:over=4,cycle", 1, 10, 1, 0.75, 0.5, 0.25, 0, 0.375, 0.25, 0.125, 0, 0.25),
            new Row("Keras InverseTimeDecay(1, 2, 1.0)", "invtime:rate=1,every=2", 1, 5, 1, 0.666667, 0.5, 0.4, 0.333333),
            new Row("Keras InverseTimeDecay staircase", "invtime:rate=1,every=2,staircase", 1, 5, 1, 1, 0.5, 0.5, 0.333333),
            new Row("Keras CosineDecay(0, 4, alpha 0.1, warmup_target 1, warmup 2)", "warmup:2,from=0 > cosine:over=4,min=0.1,clamp", 1, 9,
                    0, 0.5, 1, 0.868198, 0.55, 0.231802, 0.1, 0.1, 0.1),
            new Row("Keras CosineDecayRestarts(1, 2, t_mul 2, m_mul 0.5)", "restarts:period=2,mult=2,decay=0.5", 1, 15,
                    1, 0.5, 0.5, 0.426777, 0.25, 0.073223, 0.25, 0.240485, 0.213388, 0.172835, 0.125, 0.077165, 0.036612, 0.009515, 0.125),
            // transcribed: Optax
            new Row("Optax warmup_cosine_decay_schedule(0, 1, 2, 6, end 0.1)", "warmup:2,from=0 > cosine:over=4,min=0.1,clamp", 1, 8,
                    0, 0.5, 1, 0.868198, 0.55, 0.231802, 0.1, 0.1),
            new Row("Optax piecewise_constant_schedule(1, {2: 0.5, 4: 0.2})", "multistep:at=[2,4],values=[1,0.5,0.1]", 1, 6,
                    1, 1, 0.5, 0.5, 0.1, 0.1),
            new Row("Optax exponential_decay(1, 1, 0.5, begin 2, end 0.1)", "constant for 2 > exp:gamma=0.5 | clamp:min=0.1", 1, 8,
                    1, 1, 1, 0.5, 0.25, 0.125, 0.1, 0.1),
            // transcribed: HF transformers
            new Row("HF linear(W=2, T=6), a 6-step run", "warmup:2,from=0 > linear", 1, 6, 0, 0.5, 1, 0.75, 0.5, 0.25),
            new Row("HF linear(W=2, T=6) in 6 of 8 steps", "warmup:2,from=0 > linear:over=4", 1, 8, 0, 0.5, 1, 0.75, 0.5, 0.25, 0, 0),
            new Row("HF cosine(W=2, T=6): rises past T", "warmup:2,from=0 > cosine:over=4", 1, 8,
                    0, 0.5, 1, 0.853553, 0.5, 0.146447, 0, 0.146447),
            new Row("HF cosine_with_restarts(W=0, T=8, 2 cycles), first 8", "restarts:period=4", 1, 8,
                    1, 0.853553, 0.5, 0.146447, 1, 0.853553, 0.5, 0.146447),
            new Row("HF inverse_sqrt(W=2)", "warmup:2,from=0 > rsqrt:scale=2", 1, 7, 0, 0.5, 1, 0.816497, 0.707107, 0.632456, 0.57735),
            new Row("HF warmup_stable_decay(2, 2, 4, 1-sqrt, 0.1)", "wsd:warmup=2,decay=4,over=8,1-sqrt,min=0.1", 1, 10,
                    0.1, 0.55, 1, 1, 1, 0.55, 0.363604, 0.220577, 0.1, 0.1),
            // transcribed: DL4J
            new Row("DL4J StepSchedule(1, 0.5, 2)", "step:every=2,gamma=0.5", 1, 6, 1, 1, 0.5, 0.5, 0.25, 0.25),
            new Row("DL4J InverseSchedule(1, 1, 2)", "invtime:rate=1,power=2", 1, 4, 1, 0.25, 0.111111, 0.0625),
            new Row("DL4J RampSchedule(1, 4)", "warmup:3,from=0.25 > constant", 1, 5, 0.25, 0.5, 0.75, 1, 1),
            new Row("DL4J CosineWarmupSchedule(1, 0.1, 2, 6)", "warmup:2,from=0 > cosine:over=4,min=0.1,clamp", 1, 8,
                    0, 0.5, 1, 0.868198, 0.55, 0.231802, 0.1, 0.1));

    @TestFactory
    Stream<DynamicTest> section3() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Row r : ROWS) {
            tests.add(DynamicTest.dynamicTest(r.source() + " = " + r.spec(), () -> {
                BoundSchedule b = ScheduleSpec.parse(r.spec()).bind(new RunPlan(r.stepsPerEpoch(), r.total()));
                double[] got = new double[r.values().length];
                for (int t = 0; t < got.length; t++) got[t] = b.factor(t);
                PRINTED.assertClose(r.source(), r.values(), got);
            }));
        }
        return tests.stream();
    }

    /** features.md: PyTorch OneCycleLR momentum and CyclicLR momentum. */
    @TestFactory
    Stream<DynamicTest> momentum() {
        return Stream.of(
                DynamicTest.dynamicTest("OneCycleLR momentum", () -> momentum("onecycle:over=10", 10,
                        0.95, 0.9, 0.85, 0.854952, 0.868826, 0.888874, 0.911126, 0.931174, 0.945048, 0.95)),
                DynamicTest.dynamicTest("CyclicLR momentum", () -> momentum("cyclic:min=0.1,up=2", 5,
                        0.9, 0.85, 0.8, 0.85, 0.9)));
    }

    private static void momentum(String spec, long total, double... expected) {
        BoundSchedule b = ScheduleSpec.parse(spec).bind(new RunPlan(1, total));
        double[] got = new double[expected.length];
        for (int t = 0; t < got.length; t++) got[t] = b.momentum(t).orElseThrow();
        PRINTED.assertClose(spec + " momentum", expected, got);
    }
}
