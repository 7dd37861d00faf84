package dev.kiln.report;

import dev.kiln.train.EpochResult;
import dev.kiln.train.History;
import dev.kiln.train.TrainingEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files that describe one training history, written into a run directory (or a compare variant's
 * sub-directory): {@code metrics.csv}, {@code lr.csv} and {@code events.csv} ({@link MetricsCsv}), {@code loss.png},
 * {@code accuracy.png} (classification only) and {@code lr.png} ({@link RunCharts}); and the same numbers
 * as JSON-ready maps for {@code --json} summaries.
 */
public final class RunReport {
    private RunReport() {}

    /** Writes the history's files into {@code dir}; returns their names. */
    public static List<String> write(Path dir, String title, History h, long stepsPerEpoch) {
        List<String> files = new ArrayList<>();
        AtomicFiles.writeString(dir.resolve("metrics.csv"), MetricsCsv.metrics(h.epochs()));
        files.add("metrics.csv");
        AtomicFiles.writeString(dir.resolve("lr.csv"), MetricsCsv.learningRates(h.stepLearningRates(), stepsPerEpoch));
        files.add("lr.csv");
        AtomicFiles.writeString(dir.resolve("events.csv"), MetricsCsv.events(h.events()));
        files.add("events.csv");
        if (!h.epochs().isEmpty()) {
            RunCharts.loss(dir.resolve("loss.png"), title + ": loss", h);
            files.add("loss.png");
            if (RunCharts.hasAccuracy(h)) {
                RunCharts.accuracy(dir.resolve("accuracy.png"), title + ": accuracy", h);
                files.add("accuracy.png");
            }
        }
        if (h.steps() > 0) {
            RunCharts.learningRate(dir.resolve("lr.png"), title + ": learning rate", h.stepLearningRates());
            files.add("lr.png");
        }
        return files;
    }

    /** One epoch as a JSON object (snake_case keys as metrics.csv; values that do not apply are null). */
    public static Map<String, Object> epoch(EpochResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", r.epoch());
        m.put("step", r.lastStep());
        m.put("lr", Json.number(r.lr()));
        m.put("loss", Json.number(r.loss()));
        m.put("accuracy", Json.number(r.accuracy()));
        m.put("val_loss", Json.number(r.valLoss()));
        m.put("val_accuracy", Json.number(r.valAccuracy()));
        m.put("seconds", r.seconds());
        m.put("skipped_steps", r.skippedSteps());
        return m;
    }

    /** One divergence-guard event as a JSON object (keys as events.csv; {@code to_step} null unless a rollback). */
    public static Map<String, Object> event(TrainingEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", e.kind().name());
        m.put("epoch", e.epoch());
        m.put("first_step", e.firstStep());
        m.put("last_step", e.lastStep());
        m.put("steps", e.steps());
        m.put("to_step", e.toStep() < 0 ? null : e.toStep());
        m.put("lr_scale", Json.number(e.lrScale()));
        m.put("description", e.describe());
        return m;
    }

    /** Every divergence-guard event of the history as JSON objects. */
    public static List<Map<String, Object>> events(History h) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (TrainingEvent e : h.events()) out.add(event(e));
        return out;
    }

    /** Every epoch as JSON objects. */
    public static List<Map<String, Object>> epochs(History h) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (EpochResult r : h.epochs()) out.add(epoch(r));
        return out;
    }
}
