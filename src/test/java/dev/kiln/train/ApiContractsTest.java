package dev.kiln.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Backend;
import dev.kiln.backend.cpu.CpuBackendProvider;
import dev.kiln.data.CsvReader;
import dev.kiln.data.Dataset;
import dev.kiln.data.Standardizer;
import dev.kiln.data.Synthetic;
import dev.kiln.nn.Model;
import dev.kiln.optim.Sgd;
import dev.kiln.schedule.BoundSchedule;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** What a Java service relies on beyond the math: reuse, threads, closed trainers, bad arguments. */
class ApiContractsTest {
    static final Model MODEL = Model.parse("9:relu,3:softmax", 3);
    static final Dataset.Split DATA = Synthetic.seedExperiment(5);

    static Backend cpu() { return new CpuBackendProvider().create(-1); }

    @Test
    void oneEarlyStoppingServesSeveralRunsAsKerasResetsIt() {
        EarlyStopping es = new EarlyStopping("val_loss", 2, 0.0, true);
        TrainConfig first = TrainConfig.builder().epochs(8).batchSize(50).seed(3).optimizer(Sgd.plain(0.5)).callback(es).build();
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, first)) {
            t.fit(DATA.train(), DATA.test());
        }
        double firstBest = es.best();
        // a slow second run: its val_loss falls every epoch but stays far above the first run's best
        TrainConfig second = first.toBuilder().seed(4).optimizer(Sgd.plain(0.001)).build();
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, second)) {
            History h = t.fit(DATA.train(), DATA.test());
            assertEquals(8, h.epochs().size(), "not stopped by the first run's best " + firstBest + ": " + h.stopReason());
            assertTrue(es.best() > firstBest, "the second run's own best");
        }
    }

    @Test
    void predictFromSeveralThreadsGivesTheSingleThreadedAnswer() throws Exception {
        float[][] rows = new float[64][3];
        for (int r = 0; r < rows.length; r++) rows[r] = new float[] {r / 64f, 1 - r / 64f, (r % 7) / 7f};
        try (Backend b = cpu(); Trainer one = new Trainer(b, MODEL, TrainConfig.builder().batchSize(8).build());
             Trainer two = new Trainer(b, MODEL, TrainConfig.builder().batchSize(8).build())) {
            two.setParameters(one.parameters());
            float[][] expected = one.predict(rows);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[][]>> results = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    Trainer t = i % 2 == 0 ? one : two;        // one trainer from two threads, and two sharing a backend
                    results.add(pool.submit((Callable<float[][]>) () -> t.predict(rows)));
                }
                for (Future<float[][]> f : results) {
                    float[][] got = f.get();
                    for (int r = 0; r < rows.length; r++) assertArrayEquals(expected[r], got[r], 0f);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aScheduleFactorThatIsNotAFiniteNonNegativeNumberStopsBeforeTheUpdate() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -0.5}) {
            TrainConfig config = TrainConfig.builder().epochs(1).batchSize(100).optimizer(Sgd.plain(0.01))
                    .schedule(BoundSchedule.of("bad", s -> s < 3 ? 1.0 : bad)).build();
            try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, config)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(DATA.train()));
                assertEquals("the schedule bad gave the factor " + bad + " at step 3: a learning rate must be finite and >= 0"
                        + " (no update was made)", e.getMessage());
                for (float p : t.parameters()) assertTrue(Float.isFinite(p), "the weights after step 2");
            }
        }
    }

    @Test
    void aClosedTrainerSaysSo() {
        Trainer t;
        try (Backend b = cpu()) {
            t = new Trainer(b, MODEL, TrainConfig.builder().build());
            t.close();
            for (Runnable call : List.<Runnable>of(() -> t.fit(DATA.train()), () -> t.predict(new float[][] {{1, 2, 3}}),
                    () -> t.evaluate(DATA.test()), t::parameters))
                assertEquals("this trainer is closed", assertThrows(IllegalStateException.class, call::run).getMessage());
        }
    }

    @Test
    void badArgumentsAreNamedNotNullPointerExceptions() {
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, TrainConfig.builder().build())) {
            assertEquals("predict: row 1 is null", assertThrows(IllegalArgumentException.class,
                    () -> t.predict(new float[][] {{1, 2, 3}, null})).getMessage());
        }
        assertEquals("v: the features are null", assertThrows(IllegalArgumentException.class, () -> Dataset.ofValues("v", null, null)).getMessage());
        assertEquals("v: row 1 is null", assertThrows(IllegalArgumentException.class,
                () -> Dataset.ofValues("v", new float[][] {{1}, null}, new float[][] {{1}, {2}})).getMessage());
        assertEquals("callback is null", assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().callback(null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(null, 1, 0, true));
        assertEquals("d.csv: the header names 'a' twice (columns 1 and 2)", assertThrows(IllegalArgumentException.class,
                () -> new CsvReader().read("d.csv", new StringReader("a,a,label\n1,2,0\n"))).getMessage());
    }

    @Test
    void nonFiniteFeaturesAreNamedBeforeTrainingOrStandardising() {
        Dataset nan = Dataset.ofClasses("n", new float[][] {{1, 2, 3}, {4, Float.NaN, 6}}, new int[] {0, 1}, 3);
        String expected = "n: row 1, feature 1 is NaN: the features must be finite (CsvReader's NanPolicy.DROP drops such rows)";
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> Standardizer.fit(nan)).getMessage());
        try (Backend b = cpu(); Trainer t = new Trainer(b, MODEL, TrainConfig.builder().batchSize(2).build())) {
            assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> t.fit(nan)).getMessage());
        }
    }

    @Test
    void aClassIndexOutsideTheModelsClassesIsRefused() {
        SavedModel three = new SavedModel(MODEL, MODEL.initialParameters(1), null, List.of());
        assertEquals("2", three.className(2));
        assertEquals("class 7 is not one of the 3 classes (0 to 2)", assertThrows(IllegalArgumentException.class, () -> three.className(7)).getMessage());
        Model binary = Model.parse("4:relu,1:sigmoid", 3);
        assertEquals("1", new SavedModel(binary, binary.initialParameters(1), null, List.of()).className(1));
    }
}
