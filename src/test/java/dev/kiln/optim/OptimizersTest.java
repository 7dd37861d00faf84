package dev.kiln.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The text form: PyTorch's defaults, every option, canonical printing that parses back equal, errors. */
class OptimizersTest {

    /** Bare names give PyTorch's defaults. */
    static Stream<Arguments> defaults() {
        return Stream.of(
                Arguments.of("sgd", new Sgd(1e-3, 0, 0, 0, false, false)),
                Arguments.of("adagrad", new Adagrad(1e-2, 0, 0, 0, 1e-10)),
                Arguments.of("adadelta", new Adadelta(1.0, 0.9, 1e-6, 0)),
                Arguments.of("rmsprop", new RmsProp(1e-2, 0.99, 1e-8, 0, 0, false)),
                Arguments.of("adam", new Adam(1e-3, 0.9, 0.999, 1e-8, 0, false)),
                Arguments.of("adamw", new AdamW(1e-3, 0.9, 0.999, 1e-8, 1e-2, false)),
                Arguments.of("nadam", new NAdam(2e-3, 0.9, 0.999, 1e-8, 0, 4e-3, false)),
                Arguments.of("radam", new RAdam(1e-3, 0.9, 0.999, 1e-8, 0, false)),
                Arguments.of("lion", new Lion(1e-4, 0.9, 0.99, 0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("defaults")
    void bareNameGivesPyTorchDefaults(String name, Optimizer expected) {
        assertEquals(expected, Optimizers.parse(name));
        assertEquals(expected, Optimizers.parse(name.toUpperCase()));
        assertEquals(expected, Optimizers.parse(expected.spec()));
    }

    /** Every option of every optimizer: parses to the expected object, prints canonically, parses back equal. */
    static Stream<Arguments> options() {
        return Stream.of(
                Arguments.of("sgd:lr=0.1,momentum=0.9", new Sgd(0.1, 0.9, 0, 0, false, false), "sgd:lr=0.1,momentum=0.9"),
                Arguments.of("sgd:lr=0.1,momentum=0.9,dampening=0.1", new Sgd(0.1, 0.9, 0.1, 0, false, false), "sgd:lr=0.1,momentum=0.9,dampening=0.1"),
                Arguments.of("sgd:weight_decay=1e-4,lr=0.1", new Sgd(0.1, 0, 0, 1e-4, false, false), "sgd:lr=0.1,weight_decay=1e-4"),
                Arguments.of("sgd:lr=0.1,momentum=0.9,nesterov", new Sgd(0.1, 0.9, 0, 0, true, false), "sgd:lr=0.1,momentum=0.9,nesterov"),
                Arguments.of("sgd:lr=0.1,nesterov=false,maximize=true", new Sgd(0.1, 0, 0, 0, false, true), "sgd:lr=0.1,maximize"),
                Arguments.of("adagrad:lr=0.1,lr_decay=0.01", new Adagrad(0.1, 0.01, 0, 0, 1e-10), "adagrad:lr=0.1,lr_decay=0.01"),
                Arguments.of("adagrad:initial_accumulator_value=0.1,eps=1e-8,weight_decay=0.5", new Adagrad(1e-2, 0, 0.5, 0.1, 1e-8),
                        "adagrad:lr=0.01,weight_decay=0.5,initial_accumulator_value=0.1,eps=1e-8"),
                Arguments.of("adadelta:lr=0.5,rho=0.95,eps=1e-5,weight_decay=0.1", new Adadelta(0.5, 0.95, 1e-5, 0.1),
                        "adadelta:lr=0.5,rho=0.95,eps=1e-5,weight_decay=0.1"),
                Arguments.of("rmsprop:alpha=0.9,eps=1e-6", new RmsProp(1e-2, 0.9, 1e-6, 0, 0, false), "rmsprop:lr=0.01,alpha=0.9,eps=1e-6"),
                Arguments.of("rmsprop:lr=1e-3,momentum=0.9,centered,weight_decay=1e-5", new RmsProp(1e-3, 0.99, 1e-8, 1e-5, 0.9, true),
                        "rmsprop:lr=0.001,weight_decay=1e-5,momentum=0.9,centered"),
                Arguments.of("adam:lr=1e-3,betas=0.9/0.999,amsgrad", new Adam(1e-3, 0.9, 0.999, 1e-8, 0, true), "adam:lr=0.001,amsgrad"),
                Arguments.of("adam:betas=0.8/0.99,eps=1e-6,weight_decay=0.01", new Adam(1e-3, 0.8, 0.99, 1e-6, 0.01, false),
                        "adam:lr=0.001,betas=0.8/0.99,eps=1e-6,weight_decay=0.01"),
                Arguments.of("adamw:lr=3e-4,weight_decay=0.05", new AdamW(3e-4, 0.9, 0.999, 1e-8, 0.05, false), "adamw:lr=3e-4,weight_decay=0.05"),
                Arguments.of("adamw:weight_decay=0,amsgrad,betas=0.9/0.95,eps=1e-7", new AdamW(1e-3, 0.9, 0.95, 1e-7, 0, true),
                        "adamw:lr=0.001,betas=0.9/0.95,eps=1e-7,weight_decay=0,amsgrad"),
                Arguments.of("nadam:momentum_decay=0.01,weight_decay=0.1,decoupled_weight_decay", new NAdam(2e-3, 0.9, 0.999, 1e-8, 0.1, 0.01, true),
                        "nadam:lr=0.002,weight_decay=0.1,momentum_decay=0.01,decoupled_weight_decay"),
                Arguments.of("nadam:lr=1e-2,betas=0.95/0.98,eps=1e-6", new NAdam(1e-2, 0.95, 0.98, 1e-6, 0, 4e-3, false),
                        "nadam:lr=0.01,betas=0.95/0.98,eps=1e-6"),
                Arguments.of("radam:weight_decay=0.1,decoupled_weight_decay,eps=1e-6", new RAdam(1e-3, 0.9, 0.999, 1e-6, 0.1, true),
                        "radam:lr=0.001,eps=1e-6,weight_decay=0.1,decoupled_weight_decay"),
                Arguments.of("radam:betas=0.5/0.9", new RAdam(1e-3, 0.5, 0.9, 1e-8, 0, false), "radam:lr=0.001,betas=0.5/0.9"),
                Arguments.of("lion:lr=3e-5,betas=0.95/0.98,weight_decay=0.1", new Lion(3e-5, 0.95, 0.98, 0.1), "lion:lr=3e-5,betas=0.95/0.98,weight_decay=0.1"),
                Arguments.of(" Adam : LR = 2.5e-4 , AMSGrad ", new Adam(2.5e-4, 0.9, 0.999, 1e-8, 0, true), "adam:lr=2.5e-4,amsgrad"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void optionsParsePrintAndRoundTrip(String text, Optimizer expected, String canonical) {
        Optimizer parsed = Optimizers.parse(text);
        assertEquals(expected, parsed);
        assertEquals(canonical, parsed.spec());
        assertEquals(parsed, Optimizers.parse(parsed.spec()));
        assertEquals(canonical, Optimizers.parse(canonical).spec());
    }

    /** Awkward doubles survive the round trip exactly (shortest repr, no lossy formatting). */
    @ParameterizedTest
    @ValueSource(doubles = {0.1, 1e-3, 3e-4, 1.0 / 3, 123456.789, 1e-300, 2.0, 0.30000000000000004})
    void numbersRoundTripExactly(double lr) {
        Adam a = new Adam(lr, 0.9, 0.999, 1e-8, 0, false);
        assertEquals(a, Optimizers.parse(a.spec()));
        assertEquals(lr, Optimizers.parse(a.spec()).lr());
    }

    @Test
    void numbersPrintTidily() {
        assertEquals("1", OptimizerSpec.number(1.0));
        assertEquals("0.001", OptimizerSpec.number(1e-3));
        assertEquals("1e-4", OptimizerSpec.number(1e-4));
        assertEquals("2.5e-5", OptimizerSpec.number(2.5e-5));
        assertEquals("1e10", OptimizerSpec.number(1e10));
        assertEquals("adadelta:lr=1", Adadelta.defaults().spec());
    }

    @Test
    void negativeZeroIsZero() {
        Sgd s = new Sgd(0.1, -0.0, -0.0, -0.0, false, false);
        assertEquals(Sgd.plain(0.1), s);
        assertEquals(s, Optimizers.parse(s.spec()));
    }

    /** Bad specs: the message quotes the spec and names the bad token. */
    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("adamx:lr=1", "unknown optimizer 'adamx'"),
                Arguments.of("adam:lr=abc", "bad value 'abc' for lr"),
                Arguments.of("adam:lr=", "option 'lr' needs a number"),
                Arguments.of("adam:lr", "option 'lr' needs a number"),
                Arguments.of("adam:foo=1", "unknown option 'foo' for adam"),
                Arguments.of("sgd:lr=0.1,amsgrad", "unknown option 'amsgrad' for sgd"),
                Arguments.of("adam:betas=0.9", "bad value '0.9' for betas"),
                Arguments.of("adam:betas=0.9/x", "bad value 'x' for betas"),
                Arguments.of("adam:betas=0.9/1.0", "beta2 must be in [0, 1), got 1.0"),
                Arguments.of("adam:lr=-1", "lr must be a finite number >= 0, got -1.0"),
                Arguments.of("adam:lr=NaN", "bad value 'NaN' for lr"),
                Arguments.of("adam:lr=Infinity", "bad value 'Infinity' for lr"),
                Arguments.of("adam:amsgrad=maybe", "bad value 'maybe' for flag amsgrad"),
                Arguments.of("adam:lr=0.1,lr=0.2", "option 'lr' given twice"),
                Arguments.of("adam:lr=0.1,,amsgrad", "empty option"),
                Arguments.of("adam:", "no options after ':'"),
                Arguments.of(":lr=1", "no optimizer name"),
                Arguments.of("sgd:lr=0.1,nesterov", "nesterov needs momentum > 0 and dampening = 0"),
                Arguments.of("adadelta:rho=1.5", "rho must be in [0, 1], got 1.5"),
                Arguments.of("rmsprop:momentum=-0.1", "momentum must be a finite number >= 0, got -0.1"),
                Arguments.of("adagrad:initial_accumulator_value=-1", "initial_accumulator_value must be a finite number >= 0"),
                Arguments.of("nadam:momentum_decay=-1", "momentum_decay must be a finite number >= 0"),
                Arguments.of("lion:betas=0.9/2", "beta2 must be in [0, 1], got 2.0"),
                Arguments.of("adamw:weight_decay=-0.1", "weight_decay must be a finite number >= 0, got -0.1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void badSpecsNameTheToken(String spec, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Optimizers.parse(spec));
        assertTrue(e.getMessage().contains(expected), () -> "message: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("optimizer '"), () -> "message: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void emptySpecIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Optimizers.parse(" "));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.parse(null));
    }

    @Test
    void namesListsEveryOptimizerAndEachParses() {
        assertEquals(java.util.List.of("sgd", "adagrad", "adadelta", "rmsprop", "adam", "adamw", "nadam", "radam", "lion"),
                Optimizers.names());
        for (String n : Optimizers.names()) assertTrue(Optimizers.parse(n).spec().startsWith(n + ":lr="));
    }

    @Test
    void constructorsNameTheBadValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 1.2, 0.999, 1e-8, 0, false));
        assertEquals("adam: beta1 must be in [0, 1), got 1.2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RAdam(-1, 0.9, 0.999, 1e-8, 0, false));
        assertEquals("radam: lr must be a finite number >= 0, got -1.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Sgd(0.1, 0, Double.NaN, 0, false, false));
        assertEquals("sgd: dampening must be a finite number, got NaN", e.getMessage());
    }

    @Test
    void scheduledBetaOutOfRangeIsRejected() {
        var sc = new dev.kiln.backend.UpdateScalars();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Adam.of(1e-3).scalars(1, 1e-3, 1.0, sc));
        assertTrue(e.getMessage().contains("scheduled beta1 must be in [0, 1), got 1.0"));
    }
}
