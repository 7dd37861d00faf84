package dev.kiln.train.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.Kiln;
import dev.kiln.nn.Loss;
import dev.kiln.nn.Model;
import dev.kiln.optim.OptimizerState;
import dev.kiln.optim.Optimizers;
import dev.kiln.schedule.RunPlan;
import dev.kiln.train.DataShape;
import dev.kiln.train.EpochResult;
import dev.kiln.train.History;
import dev.kiln.train.TrainerState;
import dev.kiln.train.TrainingEvent;
import dev.kiln.train.TrainingSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code state.json}: everything of a checkpoint besides the tensors, as JSON (format {@value #FORMAT},
 * version {@value #VERSION}). Keys, in order:
 * <pre>
 * format, version, kiln_version, created    what wrote it, and when
 * step, epoch, step_in_epoch                steps done; the epoch (0-based) and steps done in it
 * model     {input, layers, loss, parameters, sha256}   the model text and the hash of its canonical form
 * data      {name, rows, cols, target_cols, classes, sha256}   the training set's shape
 * settings  {epochs, batch_size, seed, shuffle, validation_split, optimizer, schedule, clip_norm, clip_value, on_divergence}
 * plan      {steps_per_epoch, total_steps}
 * cursor    {train_rows, next_row, order}   where the epoch's seeded permutation continues
 * rng       {seed, dropout_counter}         shuffles are a function of (seed, epoch); dropout of (seed, counter)
 * accumulators {loss_sum, correct, rows, skipped}   the device's stats slots (float32 values, exact)
 * schedule  {spec, state}                   the schedule text and its controller (plateau) state
 * optimizer {spec, rule, state_tensors, host}   host: NAdam's {mu_product}
 * divergence {lr_scale, rollbacks}
 * history   {epochs: [...], lr: [per-step learning rates], events: [...], stop_reason}
 * checkpoint {every, keep}                  the writer's interval ("500" steps or "2ep") and how many it keeps
 * config    the resolved run configuration of the command that wrote it (or {})
 * </pre>
 * Non-finite numbers are written as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}
 * (JSON has none). Doubles are written in their shortest round-trip form, so every value reads back exactly.
 *
 * <p>{@link #decode} accepts only what {@link #encode} writes: any other input fails with a
 * {@link CheckpointException} naming the file and the key.
 */
public final class StateFile {
    private StateFile() {}

    /** The value of the {@code format} key. */
    public static final String FORMAT = "kiln-checkpoint";
    /** The version this code writes and reads. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper READ = new ObjectMapper();

    static {
        // a corrupt file must not drive the parser into deep recursion
        READ.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    /**
     * What {@code state.json} holds, decoded and checked.
     *
     * @param kilnVersion  the Kiln version that wrote it
     * @param created      when, as written (ISO-8601)
     * @param model        the model, rebuilt from its text
     * @param settings     the trainer settings
     * @param plan         the run's plan
     * @param data         the training set's shape
     * @param state        position, counters, accumulators, schedule state
     * @param optimizer    the optimizer's state tensor names
     * @param host         the optimizer's host state
     * @param lrScale      learning-rate multiplier from rollbacks
     * @param rollbacks    rollbacks so far
     * @param history      the history so far
     * @param config       the resolved run configuration ({} when the writer had none)
     * @param every        the writer's checkpoint interval, or null when it had none
     * @param keep         how many checkpoints the writer kept
     */
    public record Contents(String kilnVersion, String created, Model model, TrainingSnapshot.Settings settings, RunPlan plan,
                           DataShape data, TrainerState state, OptimizerState optimizer, Map<String, Object> host,
                           double lrScale, int rollbacks, History history, Map<String, Object> config,
                           dev.kiln.train.Interval every, int keep) {}

    // ---- writing ----------------------------------------------------------------------------------

    /**
     * The bytes of {@code state.json} for a snapshot, the run's resolved configuration (may be null) and the
     * writer's interval (may be null) and number kept.
     */
    public static byte[] encode(TrainingSnapshot s, Map<String, Object> config, dev.kiln.train.Interval every, int keep,
                                Instant created) {
        Map<String, Object> m = new LinkedHashMap<>();
        TrainerState st = s.state();
        TrainingSnapshot.Settings c = s.settings();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("kiln_version", Kiln.version());
        m.put("created", created.toString());
        m.put("step", st.step());
        m.put("epoch", st.epoch());
        m.put("step_in_epoch", st.stepInEpoch());

        Model model = s.model();
        Map<String, Object> mm = new LinkedHashMap<>();
        mm.put("input", model.inputSize());
        mm.put("layers", model.spec());
        mm.put("loss", model.loss().spec());
        mm.put("parameters", model.parameterCount());
        mm.put("sha256", Fingerprint.sha256(Fingerprint.model(model)));
        m.put("model", mm);

        DataShape d = s.data();
        Map<String, Object> dm = new LinkedHashMap<>();
        dm.put("name", d.name());
        dm.put("rows", d.rows());
        dm.put("cols", d.cols());
        dm.put("target_cols", d.targetCols());
        dm.put("classes", d.classes());
        dm.put("sha256", Fingerprint.sha256(Fingerprint.data(d)));
        m.put("data", dm);

        Map<String, Object> sm = new LinkedHashMap<>();
        sm.put("epochs", c.epochs());
        sm.put("batch_size", c.batchSize());
        sm.put("seed", c.seed());
        sm.put("shuffle", c.shuffle());
        sm.put("validation_split", c.validationSplit());
        sm.put("optimizer", c.optimizer());
        sm.put("schedule", c.schedule());
        sm.put("clip_norm", (double) c.clipNorm());
        sm.put("clip_value", (double) c.clipValue());
        sm.put("on_divergence", c.divergence());
        m.put("settings", sm);

        m.put("plan", Map.of("steps_per_epoch", s.plan().stepsPerEpoch(), "total_steps", s.plan().totalSteps()));

        Map<String, Object> cur = new LinkedHashMap<>();
        cur.put("train_rows", st.trainRows());
        cur.put("next_row", (long) st.stepInEpoch() * st.batchSize());
        cur.put("order", c.shuffle() ? "seeded permutation of (seed, epoch)" : "file order");
        m.put("cursor", cur);

        Map<String, Object> rng = new LinkedHashMap<>();
        rng.put("seed", st.seed());
        rng.put("dropout_counter", st.dropoutCounter());
        m.put("rng", rng);

        Map<String, Object> acc = new LinkedHashMap<>();
        acc.put("loss_sum", number(st.lossSum()));
        acc.put("correct", number(st.correct()));
        acc.put("rows", number(st.rows()));
        acc.put("skipped", number(st.skipped()));
        m.put("accumulators", acc);

        Map<String, Object> sch = new LinkedHashMap<>();
        sch.put("spec", c.schedule());
        sch.put("state", st.schedule());
        m.put("schedule", sch);

        Map<String, Object> om = new LinkedHashMap<>();
        om.put("spec", c.optimizer());
        OptimizerState names = OptimizerState.of(Optimizers.parse(c.optimizer()));
        om.put("rule", names.rule().name().toLowerCase(Locale.ROOT));
        om.put("state_tensors", names.names());
        Map<String, Object> host = new LinkedHashMap<>();
        s.optimizerHost().forEach((k, v) -> host.put(k, v instanceof Double x ? number(x) : v));
        om.put("host", host);
        m.put("optimizer", om);

        m.put("divergence", Map.of("lr_scale", number(s.lrScale()), "rollbacks", s.rollbacks()));
        m.put("history", history(s.history()));
        Map<String, Object> ck = new LinkedHashMap<>();
        ck.put("every", every == null ? null : every.toString());
        ck.put("keep", keep);
        m.put("checkpoint", ck);
        m.put("config", config == null ? Map.of() : config);
        try {
            return (JSON.writeValueAsString(m) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode state.json: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, Object> history(History h) {
        List<Object> epochs = new ArrayList<>();
        for (EpochResult r : h.epochs()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", r.epoch());
            e.put("last_step", r.lastStep());
            e.put("lr", number(r.lr()));
            e.put("loss", number(r.loss()));
            e.put("accuracy", number(r.accuracy()));
            e.put("val_loss", number(r.valLoss()));
            e.put("val_accuracy", number(r.valAccuracy()));
            e.put("seconds", number(r.seconds()));
            e.put("skipped_steps", r.skippedSteps());
            epochs.add(e);
        }
        List<Object> lr = new ArrayList<>();
        for (double v : h.stepLearningRates()) lr.add(number(v));
        List<Object> events = new ArrayList<>();
        for (TrainingEvent ev : h.events()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("kind", ev.kind().name().toLowerCase(Locale.ROOT));
            e.put("epoch", ev.epoch());
            e.put("first_step", ev.firstStep());
            e.put("last_step", ev.lastStep());
            e.put("steps", ev.steps());
            e.put("to_step", ev.toStep());
            e.put("lr_scale", number(ev.lrScale()));
            events.add(e);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("lr", lr);
        m.put("events", events);
        m.put("stop_reason", h.stopReason().orElse(null));
        return m;
    }

    /** A double for JSON: itself when finite, else its name as a string. */
    private static Object number(double v) {
        return Double.isFinite(v) ? (Object) v : Double.toString(v);
    }

    // ---- reading ----------------------------------------------------------------------------------

    /**
     * Decodes and checks {@code state.json}; {@code name} is used in messages.
     *
     * @throws CheckpointException naming the file and the key for anything that is not what {@link #encode} writes
     */
    public static Contents decode(String name, byte[] bytes) {
        JsonNode root;
        try {
            root = READ.readTree(bytes);
        } catch (java.io.IOException | RuntimeException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new CheckpointException(name + ": not a Kiln checkpoint state: bad JSON (" + oneLine(why) + ")");
        }
        if (root == null || !root.isObject())
            throw new CheckpointException(name + ": not a Kiln checkpoint state: expected a JSON object");
        Reader r = new Reader(name);
        String format = r.string(root, "format");
        if (!FORMAT.equals(format))
            throw new CheckpointException(name + ": not a Kiln checkpoint state: format is '" + format + "', expected '" + FORMAT + "'");
        long version = r.whole(root, "version", 1, Integer.MAX_VALUE);
        if (version != VERSION)
            throw new CheckpointException(name + ": checkpoint format version " + version + " is not supported (this Kiln reads "
                    + VERSION + "); it was written by Kiln " + root.path("kiln_version").asText("?"));
        String kilnVersion = r.string(root, "kiln_version");
        String created = r.string(root, "created");
        long step = r.whole(root, "step", 0, Long.MAX_VALUE);
        int epoch = (int) r.whole(root, "epoch", 0, Integer.MAX_VALUE);
        int stepInEpoch = (int) r.whole(root, "step_in_epoch", 0, Integer.MAX_VALUE);

        JsonNode mn = r.object(root, "model");
        int input = (int) r.whole(mn, "model.input", "input", 1, Integer.MAX_VALUE);
        String layers = r.string(mn, "model.layers", "layers");
        String lossText = r.string(mn, "model.loss", "loss");
        Model model;
        try {
            model = Model.parse(layers, input, Loss.parse(lossText));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(name + ": model: " + oneLine(e.getMessage()), e);
        }
        String modelHash = r.string(mn, "model.sha256", "sha256");
        if (!modelHash.equals(Fingerprint.sha256(Fingerprint.model(model))))
            throw new CheckpointException(name + ": model.sha256 does not match the model " + Fingerprint.model(model)
                    + " (the file was edited or damaged)");
        long parameters = r.whole(mn, "model.parameters", "parameters", 0, Integer.MAX_VALUE);
        if (parameters != model.parameterCount())
            throw new CheckpointException(name + ": model.parameters is " + parameters + ", but " + layers + " has " + model.parameterCount());

        JsonNode dn = r.object(root, "data");
        DataShape data = new DataShape(r.string(dn, "data.name", "name"), (int) r.whole(dn, "data.rows", "rows", 1, Integer.MAX_VALUE),
                (int) r.whole(dn, "data.cols", "cols", 1, Integer.MAX_VALUE),
                (int) r.whole(dn, "data.target_cols", "target_cols", 1, Integer.MAX_VALUE),
                (int) r.whole(dn, "data.classes", "classes", 0, Integer.MAX_VALUE));
        if (!r.string(dn, "data.sha256", "sha256").equals(Fingerprint.sha256(Fingerprint.data(data))))
            throw new CheckpointException(name + ": data.sha256 does not match the data shape " + Fingerprint.data(data)
                    + " (the file was edited or damaged)");

        JsonNode sn = r.object(root, "settings");
        String optimizerSpec = r.string(sn, "settings.optimizer", "optimizer");
        TrainingSnapshot.Settings settings = new TrainingSnapshot.Settings(
                (int) r.whole(sn, "settings.epochs", "epochs", 0, Integer.MAX_VALUE),
                (int) r.whole(sn, "settings.batch_size", "batch_size", 1, Integer.MAX_VALUE),
                r.integer(sn, "settings.seed", "seed"),
                r.bool(sn, "settings.shuffle", "shuffle"),
                r.number(sn, "settings.validation_split", "validation_split", 0, 1),
                optimizerSpec,
                r.string(sn, "settings.schedule", "schedule"),
                (float) r.number(sn, "settings.clip_norm", "clip_norm", 0, Float.MAX_VALUE),
                (float) r.number(sn, "settings.clip_value", "clip_value", 0, Float.MAX_VALUE),
                r.string(sn, "settings.on_divergence", "on_divergence"));
        try {
            dev.kiln.train.DivergencePolicy.parse(settings.divergence());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(name + ": settings.on_divergence: " + oneLine(e.getMessage()), e);
        }
        if (stepInEpoch > 0 && settings.batchSize() > 0 && (long) stepInEpoch * settings.batchSize() >= data.rows() + (long) settings.batchSize())
            throw new CheckpointException(name + ": step_in_epoch " + stepInEpoch + " is past the end of an epoch of " + data.rows()
                    + " rows in batches of " + settings.batchSize());

        JsonNode pn = r.object(root, "plan");
        long spe = r.whole(pn, "plan.steps_per_epoch", "steps_per_epoch", 1, Long.MAX_VALUE);
        long total = r.whole(pn, "plan.total_steps", "total_steps", 0, Long.MAX_VALUE);
        RunPlan plan = new RunPlan(spe, total);
        RunPlan expectedPlan = RunPlan.of(data.rows(), settings.batchSize(), settings.epochs());
        if (!plan.equals(expectedPlan))
            throw new CheckpointException(name + ": plan " + spe + " steps per epoch, " + total + " steps does not match "
                    + data.rows() + " rows in batches of " + settings.batchSize() + " for " + settings.epochs() + " epochs");
        if (step != (long) epoch * spe + stepInEpoch)
            throw new CheckpointException(name + ": step " + step + " does not match epoch " + epoch + " and step_in_epoch "
                    + stepInEpoch + " at " + spe + " steps per epoch");

        JsonNode cn = r.object(root, "cursor");
        long trainRows = r.whole(cn, "cursor.train_rows", "train_rows", 1, Integer.MAX_VALUE);
        if (trainRows != data.rows())
            throw new CheckpointException(name + ": cursor.train_rows " + trainRows + " differs from data.rows " + data.rows());

        JsonNode rn = r.object(root, "rng");
        long seed = r.integer(rn, "rng.seed", "seed");
        if (seed != settings.seed())
            throw new CheckpointException(name + ": rng.seed " + seed + " differs from settings.seed " + settings.seed());
        long dropoutCounter = r.whole(rn, "rng.dropout_counter", "dropout_counter", 0, Long.MAX_VALUE);

        JsonNode an = r.object(root, "accumulators");
        float lossSum = r.float32(an, "accumulators.loss_sum", "loss_sum");
        float correct = r.float32(an, "accumulators.correct", "correct");
        float rows = r.float32(an, "accumulators.rows", "rows");
        float skipped = r.float32(an, "accumulators.skipped", "skipped");

        JsonNode schn = r.object(root, "schedule");
        String scheduleSpec = r.string(schn, "schedule.spec", "spec");
        if (!scheduleSpec.equals(settings.schedule()))
            throw new CheckpointException(name + ": schedule.spec '" + scheduleSpec + "' differs from settings.schedule '" + settings.schedule() + "'");
        Map<String, Object> scheduleState = r.plainObject(schn, "schedule.state", "state");

        JsonNode on = r.object(root, "optimizer");
        OptimizerState optimizer;
        try {
            optimizer = OptimizerState.of(Optimizers.parse(r.string(on, "optimizer.spec", "spec")));
        } catch (CheckpointException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(name + ": optimizer.spec: " + oneLine(e.getMessage()), e);
        }
        if (!r.string(on, "optimizer.spec", "spec").equals(optimizerSpec))
            throw new CheckpointException(name + ": optimizer.spec differs from settings.optimizer '" + optimizerSpec + "'");
        String rule = r.string(on, "optimizer.rule", "rule");
        if (!rule.equals(optimizer.rule().name().toLowerCase(Locale.ROOT)))
            throw new CheckpointException(name + ": optimizer.rule '" + rule + "' does not match the optimizer " + optimizerSpec);
        List<String> tensorNames = r.strings(on, "optimizer.state_tensors", "state_tensors");
        if (!tensorNames.equals(optimizer.names()))
            throw new CheckpointException(name + ": optimizer.state_tensors " + tensorNames + " differ from " + optimizer.names()
                    + " of " + optimizerSpec);
        JsonNode hn = r.object(on, "optimizer.host", "host");
        Map<String, Object> host = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = hn.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            host.put(e.getKey(), r.finiteOrNamed(e.getValue(), "optimizer.host." + e.getKey()));
        }

        JsonNode vn = r.object(root, "divergence");
        double lrScale = r.number(vn, "divergence.lr_scale", "lr_scale", Double.MIN_VALUE, 1);
        int rollbacks = (int) r.whole(vn, "divergence.rollbacks", "rollbacks", 0, Integer.MAX_VALUE);

        History history = readHistory(r, r.object(root, "history"), step);
        JsonNode cfg = root.get("config");
        if (cfg == null || !cfg.isObject()) throw r.bad("config", "an object", cfg);
        Map<String, Object> config = r.plain(cfg, "config");
        JsonNode ckn = r.object(root, "checkpoint");
        JsonNode everyNode = ckn.get("every");
        dev.kiln.train.Interval every = null;
        if (everyNode != null && !everyNode.isNull()) {
            if (!everyNode.isTextual()) throw r.bad("checkpoint.every", "a string like \"500\" or \"2ep\", or null", everyNode);
            try {
                every = dev.kiln.train.Interval.parse(everyNode.asText());
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(name + ": checkpoint.every: " + oneLine(e.getMessage()), e);
            }
        }
        int keep = (int) r.whole(ckn, "checkpoint.keep", "keep", 1, Integer.MAX_VALUE);

        TrainerState state;
        try {
            state = new TrainerState(seed, step, epoch, stepInEpoch, dropoutCounter, settings.batchSize(), (int) trainRows,
                    lossSum, correct, rows, skipped, scheduleState);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(name + ": " + oneLine(e.getMessage()), e);
        }
        return new Contents(kilnVersion, created, model, settings, plan, data, state, optimizer, host, lrScale, rollbacks, history, config,
                every, keep);
    }

    private static History readHistory(Reader r, JsonNode hn, long step) {
        JsonNode en = r.array(hn, "history.epochs", "epochs");
        List<EpochResult> epochs = new ArrayList<>();
        for (int i = 0; i < en.size(); i++) {
            JsonNode e = en.get(i);
            String at = "history.epochs[" + i + "]";
            if (!e.isObject()) throw r.bad(at, "an object", e);
            epochs.add(new EpochResult((int) r.whole(e, at + ".epoch", "epoch", 0, Integer.MAX_VALUE),
                    r.whole(e, at + ".last_step", "last_step", 0, Long.MAX_VALUE),
                    r.anyNumber(e, at + ".lr", "lr"), r.anyNumber(e, at + ".loss", "loss"),
                    r.anyNumber(e, at + ".accuracy", "accuracy"), r.anyNumber(e, at + ".val_loss", "val_loss"),
                    r.anyNumber(e, at + ".val_accuracy", "val_accuracy"), r.anyNumber(e, at + ".seconds", "seconds"),
                    r.whole(e, at + ".skipped_steps", "skipped_steps", 0, Long.MAX_VALUE)));
        }
        JsonNode ln = r.array(hn, "history.lr", "lr");
        if (ln.size() != step)
            throw new CheckpointException(r.file + ": history.lr holds " + ln.size() + " learning rates, but step is " + step);
        double[] lr = new double[ln.size()];
        for (int i = 0; i < lr.length; i++) lr[i] = r.finiteOrNamedNumber(ln.get(i), "history.lr[" + i + "]");
        JsonNode evn = r.array(hn, "history.events", "events");
        List<TrainingEvent> events = new ArrayList<>();
        for (int i = 0; i < evn.size(); i++) {
            JsonNode e = evn.get(i);
            String at = "history.events[" + i + "]";
            if (!e.isObject()) throw r.bad(at, "an object", e);
            String kind = r.string(e, at + ".kind", "kind");
            TrainingEvent.Kind k;
            try {
                k = TrainingEvent.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException x) {
                throw new CheckpointException(r.file + ": " + at + ".kind '" + kind + "' is not skip, rollback or stop");
            }
            events.add(new TrainingEvent(k, (int) r.whole(e, at + ".epoch", "epoch", 0, Integer.MAX_VALUE),
                    r.whole(e, at + ".first_step", "first_step", 0, Long.MAX_VALUE),
                    r.whole(e, at + ".last_step", "last_step", 0, Long.MAX_VALUE),
                    r.whole(e, at + ".steps", "steps", 0, Long.MAX_VALUE),
                    r.whole(e, at + ".to_step", "to_step", -1, Long.MAX_VALUE),
                    r.anyNumber(e, at + ".lr_scale", "lr_scale")));
        }
        JsonNode stop = hn.get("stop_reason");
        String stopReason;
        if (stop == null || stop.isNull()) stopReason = null;
        else if (stop.isTextual()) stopReason = stop.asText();
        else throw r.bad("history.stop_reason", "a string or null", stop);
        return new History(epochs, lr, events, stopReason);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Strict typed access to the tree, every failure a CheckpointException naming the file and the key. */
    private static final class Reader {
        final String file;

        Reader(String file) { this.file = file; }

        CheckpointException bad(String key, String expected, JsonNode got) {
            String g = got == null || got.isMissingNode() ? "nothing" : abbreviate(got.toString());
            return new CheckpointException(file + ": '" + key + "' must be " + expected + ", got " + g);
        }

        private static String abbreviate(String s) {
            return s.length() > 60 ? s.substring(0, 57) + "..." : s;
        }

        JsonNode get(JsonNode parent, String key, String field) {
            JsonNode v = parent.get(field);
            if (v == null || v.isNull()) throw new CheckpointException(file + ": missing '" + key + "'");
            return v;
        }

        JsonNode object(JsonNode parent, String key) { return object(parent, key, key); }

        JsonNode object(JsonNode parent, String key, String field) {
            JsonNode v = get(parent, key, field);
            if (!v.isObject()) throw bad(key, "an object", v);
            return v;
        }

        JsonNode array(JsonNode parent, String key, String field) {
            JsonNode v = get(parent, key, field);
            if (!v.isArray()) throw bad(key, "an array", v);
            return v;
        }

        String string(JsonNode parent, String key) { return string(parent, key, key); }

        String string(JsonNode parent, String key, String field) {
            JsonNode v = get(parent, key, field);
            if (!v.isTextual()) throw bad(key, "a string", v);
            return v.asText();
        }

        List<String> strings(JsonNode parent, String key, String field) {
            JsonNode v = array(parent, key, field);
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isTextual()) throw bad(key, "an array of strings", v);
                out.add(e.asText());
            }
            return out;
        }

        boolean bool(JsonNode parent, String key, String field) {
            JsonNode v = get(parent, key, field);
            if (!v.isBoolean()) throw bad(key, "true or false", v);
            return v.asBoolean();
        }

        long whole(JsonNode parent, String key, long min, long max) { return whole(parent, key, key, min, max); }

        long whole(JsonNode parent, String key, String field, long min, long max) {
            JsonNode v = get(parent, key, field);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max)
                throw bad(key, "a whole number in [" + min + ", " + max + "]", v);
            return v.asLong();
        }

        long integer(JsonNode parent, String key, String field) {
            return whole(parent, key, field, Long.MIN_VALUE, Long.MAX_VALUE);
        }

        double number(JsonNode parent, String key, String field, double min, double max) {
            JsonNode v = get(parent, key, field);
            if (!v.isNumber() || !(v.asDouble() >= min && v.asDouble() <= max))
                throw bad(key, "a number in [" + min + ", " + max + "]", v);
            return v.asDouble();
        }

        /** A float32 value written as a double: it must be exactly representable (the device's slot values). */
        float float32(JsonNode parent, String key, String field) {
            double d = finiteOrNamedNumber(get(parent, key, field), key);
            float f = (float) d;
            if (Double.isFinite(d) && (double) f != d) throw bad(key, "a float32 value", parent.get(field));
            return f;
        }

        /** Any number, or "NaN" / "Infinity" / "-Infinity". */
        double anyNumber(JsonNode parent, String key, String field) {
            return finiteOrNamedNumber(get(parent, key, field), key);
        }

        double finiteOrNamedNumber(JsonNode v, String key) {
            if (v != null && v.isNumber()) return v.asDouble();
            if (v != null && v.isTextual()) {
                switch (v.asText()) {
                    case "NaN": return Double.NaN;
                    case "Infinity": return Double.POSITIVE_INFINITY;
                    case "-Infinity": return Double.NEGATIVE_INFINITY;
                    default: break;
                }
            }
            throw bad(key, "a number (or \"NaN\", \"Infinity\", \"-Infinity\")", v);
        }

        Object finiteOrNamed(JsonNode v, String key) {
            return finiteOrNamedNumber(v, key);
        }

        Map<String, Object> plainObject(JsonNode parent, String key, String field) {
            return plain(object(parent, key, field), key);
        }

        /** A JSON object as plain Java values (maps, lists, strings, numbers, booleans, null). */
        @SuppressWarnings("unchecked")
        Map<String, Object> plain(JsonNode node, String key) {
            try {
                return READ.convertValue(node, LinkedHashMap.class);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file + ": '" + key + "' cannot be read: " + oneLine(e.getMessage()));
            }
        }
    }
}
