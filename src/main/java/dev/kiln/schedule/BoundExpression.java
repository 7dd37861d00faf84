package dev.kiln.schedule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A schedule bound to a run: a closed-form {@link Schedule} tree in steps whose only state lives in its
 * {@link PlateauController}s. {@link ScheduleSpec#bind} builds one from the text; Java code can build one
 * from any schedule, lambdas included, e.g.
 * {@code new BoundExpression("cosine * plateau", new Product(List.of(cos, ctl)), List.of(ctl))}.
 *
 * <p>State: {@code {"plateau": [state of controller 0, state of controller 1, ...]}} in the order the
 * controllers appear in the text; empty for schedules without controllers.
 */
public final class BoundExpression implements BoundSchedule {
    private final String spec;
    private final Schedule root;
    private final List<PlateauController> controllers;

    /**
     * @param spec        the text form (or a description)
     * @param root        the schedule; it reads the controllers' scales where they appear
     * @param controllers every controller inside {@code root}, in order
     */
    public BoundExpression(String spec, Schedule root, List<PlateauController> controllers) {
        this.spec = spec;
        this.root = root;
        this.controllers = List.copyOf(controllers);
    }

    @Override
    public double factor(long step) {
        if (step < 0) throw new IllegalArgumentException("schedule: step must be >= 0, got " + step);
        return root.at(step);
    }

    @Override
    public OptionalDouble momentum(long step) {
        return MomentumSource.of(root, step);
    }

    @Override
    public boolean observesMetric() {
        return !controllers.isEmpty();
    }

    /** Feeds the metric to every controller, wherever it sits in the expression. */
    @Override
    public void observe(long step, double metric) {
        for (PlateauController c : controllers) c.observe(metric);
    }

    @Override
    public Map<String, Object> state() {
        if (controllers.isEmpty()) return Map.of();
        List<Object> list = new ArrayList<>();
        for (PlateauController c : controllers) list.add(c.state());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("plateau", list);
        return s;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(Map<String, Object> state) {
        Object list = state.get("plateau");
        if (controllers.isEmpty()) {
            if (list != null && !(list instanceof List<?> l && l.isEmpty()))
                throw new IllegalArgumentException("schedule state has plateau controllers but '" + spec + "' has none");
            return;
        }
        if (!(list instanceof List<?> items) || items.size() != controllers.size())
            throw new IllegalArgumentException("schedule state: expected " + controllers.size()
                    + " plateau controller states for '" + spec + "', got " + (list == null ? "none" : list));
        for (int i = 0; i < controllers.size(); i++) {
            if (!(items.get(i) instanceof Map<?, ?> m))
                throw new IllegalArgumentException("schedule state: plateau[" + i + "] is not an object: " + items.get(i));
            // check every entry on a scratch controller first, so a bad state changes nothing
            new PlateauController(controllers.get(i).config()).restore((Map<String, Object>) m);
        }
        for (int i = 0; i < controllers.size(); i++) controllers.get(i).restore((Map<String, Object>) items.get(i));
    }

    @Override
    public String spec() {
        return spec;
    }

    /** The schedule tree. */
    public Schedule schedule() {
        return root;
    }

    /** The controllers, in text order. */
    public List<PlateauController> controllers() {
        return controllers;
    }

    @Override
    public String toString() {
        return spec;
    }
}
