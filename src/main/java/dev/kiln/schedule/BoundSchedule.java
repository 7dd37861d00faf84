package dev.kiln.schedule;

import java.util.Map;
import java.util.OptionalDouble;

/**
 * A schedule bound to a run: what the trainer asks each step. The time-based part is a pure
 * {@link Schedule}; loss-based control (plateau) keeps explicit state that {@link #observe} updates and
 * {@link #state()}/{@link #restore} carry through a checkpoint, so resume needs only the step and that state.
 */
public interface BoundSchedule {
    /** The learning-rate multiplier at global step {@code step} (plateau factor included). */
    double factor(long step);

    /** The momentum (or Adam beta1) at this step when the schedule cycles it (one-cycle, cyclic); else empty. */
    default OptionalDouble momentum(long step) { return OptionalDouble.empty(); }

    /** Whether {@link #observe} changes anything (the schedule has a loss-based controller). */
    default boolean observesMetric() { return false; }

    /** Feeds the metric of an evaluation (end of epoch) taken after {@code step} steps. */
    default void observe(long step, double metric) {}

    /** The controller state, JSON-friendly (numbers, strings, lists, maps). Empty for pure schedules. */
    default Map<String, Object> state() { return Map.of(); }

    /** Restores what {@link #state()} returned. */
    default void restore(Map<String, Object> state) {}

    /** The text form (the schedule grammar), or a description for schedules given as Java lambdas. */
    String spec();

    /** A bound schedule made from a pure function. */
    static BoundSchedule of(String spec, Schedule schedule) {
        return new BoundSchedule() {
            @Override public double factor(long step) { return schedule.at(step); }
            @Override public String spec() { return spec; }
        };
    }
}
