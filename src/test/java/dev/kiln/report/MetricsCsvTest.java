package dev.kiln.report;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.train.EpochResult;
import dev.kiln.train.TrainingEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CSV and table formats: round-trip numbers, empty cells for what does not apply. */
class MetricsCsvTest {
    static final EpochResult E0 = new EpochResult(0, 19, 0.01, 1.0986122886681098, 0.343, Double.NaN, Double.NaN, 0.0123456789, 0);
    static final EpochResult E1 = new EpochResult(1, 39, 0.01 * 0.8, 0.9, 0.5, 0.95, 0.45, 0.5, 3);

    @Test
    void metricsRowsRoundTripEveryDouble() {
        String csv = MetricsCsv.metrics(List.of(E0, E1));
        List<String> lines = csv.lines().toList();
        assertEquals(MetricsCsv.METRICS_HEADER, lines.get(0));
        // validation ran (epoch 1 has values), so epoch 0's NaN was measured: NaN, not an empty cell
        assertEquals("0,19,0.01,1.0986122886681098,0.343,NaN,NaN,0.012346,0", lines.get(1), "seconds to the microsecond");
        assertEquals("0,19,0.01,1.0986122886681098,0.343,,,0.012346,0", MetricsCsv.metrics(List.of(E0)).lines().toList().get(1),
                "a run without validation: empty cells (does not apply)");
        EpochResult diverged = new EpochResult(2, 59, 0.01, Double.POSITIVE_INFINITY, 0.2, Double.NaN, 0.1, 0.1, 20);
        assertEquals("2,59,0.01,Infinity,0.2,NaN,0.1,0.100000,20", MetricsCsv.metrics(List.of(diverged)).lines().toList().get(1),
                "a diverged model's val_loss was measured (its val_accuracy is there)");
        assertEquals("3", lines.get(2).split(",")[8], "skipped_steps");
        String[] cells = lines.get(2).split(",");
        assertEquals(0.01 * 0.8, Double.parseDouble(cells[2]), 0.0, "the very double");
        assertEquals("0.95", cells[5]);
    }

    @Test
    void lrCsvNumbersEveryStepWithItsEpoch() {
        String csv = MetricsCsv.learningRates(new double[] {0.1, 0.1, 0.05, 0.05, 0.025}, 2);
        assertEquals(List.of("step,epoch,lr", "0,0,0.1", "1,0,0.1", "2,1,0.05", "3,1,0.05", "4,2,0.025"), csv.lines().toList());
        assertThrows(IllegalArgumentException.class, () -> MetricsCsv.learningRates(new double[1], 0));
    }

    @Test
    void combinedPrefixesTheVariant() {
        String csv = MetricsCsv.combined(List.of("a", "b"), List.of(List.of(E0), List.of(E0, E1)));
        List<String> lines = csv.lines().toList();
        assertEquals("variant," + MetricsCsv.METRICS_HEADER, lines.get(0));
        assertEquals(4, lines.size());
        assertTrue(lines.get(1).startsWith("a,0,19,"));
        assertTrue(lines.get(3).startsWith("b,1,39,"));
    }

    @Test
    void tablesShowEveryVariantSideBySide() {
        String t = EpochTable.compare(List.of("constant", "step"), List.of(List.of(E0, E1), List.of(E0)));
        List<String> lines = t.lines().toList();
        assertEquals(4, lines.size(), t);
        assertTrue(lines.get(0).contains("constant") && lines.get(0).contains("step"));
        assertTrue(lines.get(2).matches("\\s+0 \\|\\s+1\\.09861\\s+0\\.3430\\s+-\\s+-\\s+0\\.01 \\|\\s+1\\.09861.*"), lines.get(2));
        assertTrue(lines.get(3).trim().endsWith("|"), "a variant that ran fewer epochs leaves blank cells: " + lines.get(3));
        assertEquals("0.004096", EpochTable.significant(0.01 * Math.pow(0.8, 4)));
        assertEquals("1e-07", EpochTable.significant(1e-7));
        assertEquals("3.16228e-05", EpochTable.significant(Math.sqrt(1e-9)));
        assertEquals("0.01", EpochTable.significant(0.01));
    }

    @Test
    void eventsCsvHasOneRowPerEventWithItsQuotedDescription() {
        TrainingEvent skip = new TrainingEvent(TrainingEvent.Kind.SKIP, 1, 20, 39, 4, -1, 1.0);
        TrainingEvent back = new TrainingEvent(TrainingEvent.Kind.ROLLBACK, 2, 40, 59, 3, 40, 0.5);
        List<String> lines = MetricsCsv.events(List.of(skip, back)).lines().toList();
        assertEquals(List.of(MetricsCsv.EVENTS_HEADER,
                "SKIP,1,20,39,4,,1.0,\"skip: 4 non-finite steps in steps 20-39 (epoch 1) dropped\"",
                "ROLLBACK,2,40,59,3,40,0.5,\"rollback: 3 non-finite steps in steps 40-59 (epoch 2); back to step 40, learning rate x0.5 from now on\""),
                lines);
        assertEquals(List.of(MetricsCsv.EVENTS_HEADER), MetricsCsv.events(List.of()).lines().toList());
    }

    /** Table cells stay in their columns: fewer decimals for a regression loss over 1000, scientific for a blow-up. */
    @Test
    void tableCellsFitTheirColumns() {
        assertEquals("0.69315", EpochTable.fixed(0.6931472, 5));
        assertEquals("1005.7183", EpochTable.fixed(1005.718333, 5));
        assertEquals("429472.31", EpochTable.fixed(429472.3125, 5));
        assertEquals("5.362e+31", EpochTable.fixed(5.36179691126447e31, 5));
        assertEquals("-", EpochTable.fixed(Double.NaN, 5));
        assertEquals("0.5000", EpochTable.fixed(0.5, 4));
        for (double v : new double[] {0.1, 12.5, 1005.7, 123456.7, 9.99e8, 3.4e29})
            assertTrue(EpochTable.fixed(v, 5).length() <= 9, v + " -> " + EpochTable.fixed(v, 5));
    }
}
