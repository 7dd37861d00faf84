package dev.kiln.schedule;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The text grammar: every family parses, prints its canonical text, and that text parses back to the same
 * text and the same values; bad texts fail with one line naming the token and its column.
 */
class GrammarTest {
    private static final RunPlan PLAN = new RunPlan(7, 140);

    /** Written form || canonical form. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiterString = "||", textBlock = """
            constant                                          || constant
            constant:0.50                                     || constant:0.5
            constant:value=2                                  || constant:2
            step:every=2ep,gamma=0.8                          || step:every=2ep,gamma=0.8
            step: gamma = 0.80 , every = 2ep                  || step:every=2ep,gamma=0.8
            multistep:at=[30ep, 60%, 900],gamma=0.1           || multistep:at=[30ep,60%,900],gamma=0.1
            multistep:values=[1,.5,1E-1],at=[2,4]             || multistep:at=[2,4],values=[1,0.5,0.1]
            exp:gamma=0.999                                   || exp:gamma=0.999
            exp:staircase,gamma=0.5,every=1ep                 || exp:gamma=0.5,every=1ep,staircase
            exp:gamma=0.5,staircase=false                     || exp:gamma=0.5,staircase=false
            invtime:rate=0.5,every=100,power=2,staircase      || invtime:rate=0.5,every=100,power=2,staircase
            rsqrt:scale=1000                                  || rsqrt:scale=1000
            poly:power=2,end=1e-5,over=90%,cycle              || poly:over=90%,power=2,end=1e-5,cycle
            linear:to=0.1,from=1                              || linear:from=1,to=0.1
            cosine                                            || cosine
            cosine:min=0.01,over=30ep,after=clamp             || cosine:over=30ep,min=0.01,clamp
            cosine:rise                                       || cosine:rise
            restarts:period=10ep,mult=2,decay=0.5,min=0.001   || restarts:period=10ep,mult=2,decay=0.5,min=0.001
            cyclic:min=0.1,up=2000,mode=exp_range,gamma=0.99994 || cyclic:min=0.1,up=2000,exp_range,gamma=0.99994
            cyclic:min=0.1,max=2,up=4ep,down=6ep,momentum=none || cyclic:min=0.1,max=2,up=4ep,down=6ep,momentum=none
            onecycle:max=1,pct=0.25,div=25,final_div=1e4,anneal=linear,three_phase,momentum=0.85..0.95 || onecycle:max=1,pct=0.25,div=25,final_div=10000,linear,three_phase,momentum=0.85..0.95
            warmup:5% > cosine                                || warmup:5% > cosine
            warmup:len=500,shape=exp,from=0.001 > constant    || warmup:500,exp,from=0.001 > constant
            wsd:warmup=5%,decay=10%,shape=1-sqrt,min=0.01     || wsd:warmup=5%,decay=10%,1-sqrt,min=0.01
            wsd:warmup_shape=cosine                           || wsd:warmup_shape=cosine
            plateau:mode=max,factor=0.5,patience=3,threshold=0.01,threshold_mode=abs,cooldown=2,min=1e-3,eps=0 || plateau:mode=max,factor=0.5,patience=3,threshold=0.01,threshold_mode=abs,cooldown=2,min=0.001,eps=0
            warmup:5%,linear>cosine:min=0.01*plateau:patience=3 || warmup:5%,linear > cosine:min=0.01 * plateau:patience=3
            (warmup:5% > cosine) * plateau                    || (warmup:5% > cosine) * plateau
            constant for 10ep > step:every=10ep               || constant for 10ep > step:every=10ep
            cosine|clamp:min=0.05                             || cosine | clamp:min=0.05
            (cosine | clamp:max=0.5) for 1ep > constant       || (cosine | clamp:max=0.5) for 1ep > constant
            cosine:over=50% > (warmup:10 > constant) * exp:gamma=0.99 || cosine:over=50% > (warmup:10 > constant) * exp:gamma=0.99
            ((constant))                                      || constant
            Cosine:Min=0.1,CLAMP FOR 2 > STEP:Every=1ep       || cosine:min=0.1,clamp for 2 > step:every=1ep
            constant * (linear * exp:gamma=0.9)               || constant * (linear * exp:gamma=0.9)
            (constant * linear) * exp:gamma=0.9               || (constant * linear) * exp:gamma=0.9
            constant * linear * exp:gamma=0.9                 || constant * linear * exp:gamma=0.9
            cosine | clamp:min=0.1 | clamp:max=0.5            || cosine | clamp:min=0.1 | clamp:max=0.5
            (warmup:3 > constant) for 5 > (cosine > linear)   || ERROR
            a_b                                               || ERROR
            """)
    void parsesPrintsAndReparses(String written, String canonical) {
        if (canonical.equals("ERROR")) {
            assertThrows(ScheduleSpecException.class, () -> ScheduleSpec.parse(written));
            return;
        }
        ScheduleSpec spec = ScheduleSpec.parse(written);
        assertEquals(canonical, spec.toString());
        ScheduleSpec again = ScheduleSpec.parse(spec.toString());
        assertEquals(canonical, again.toString());
        assertEquals(spec, again);
        assertEquals(spec.hashCode(), again.hashCode());
        BoundSchedule a = spec.bind(PLAN), b = again.bind(PLAN);
        assertEquals(canonical, a.spec());
        for (long t = 0; t < PLAN.totalSteps() + 10; t++) {
            assertEquals(a.factor(t), b.factor(t), "step " + t);
            assertEquals(a.momentum(t), b.momentum(t), "momentum at step " + t);
        }
    }

    @Test
    void everyFamilyIsCoveredAbove() throws Exception {
        var m = GrammarTest.class.getDeclaredMethod("parsesPrintsAndReparses", String.class, String.class);
        String table = m.getAnnotation(CsvSource.class).textBlock();
        Set<String> missing = new HashSet<>();
        for (Family f : Families.all()) if (!table.contains(f.name() + ":")) missing.add(f.name());
        assertTrue(missing.isEmpty(), "families without a grammar test: " + missing);
    }

    /** Spec || 1-based column || offending token ('' at the end) || a phrase of the message. */
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiterString = "||", quoteCharacter = '"', textBlock = """
            step:every=2ep,gama=0.8                 || 16 || gama      || step has no parameter 'gama'; it takes every, gamma
            cosin                                   || 1  || cosin     || did you mean cosine?
            step                                    || 1  || step      || step needs every=
            cosine:min=abc                          || 12 || abc       || min must be a number, got 'abc'
            cosine >                                || 9  || ""        || expected a schedule after '>'
            (cosine                                 || 1  || (         || this '(' is never closed
            cosine)                                 || 7  || )         || a ')' without its '('
            cosine,min=0.1                          || 7  || ,         || arguments follow a ':'
            multistep:at=[2,5                       || 14 || [         || this '[' is never closed
            multistep:at=2                          || 14 || 2         || at takes a list like [30ep,60ep]
            step:every=2ep,gamma=0.8,gamma=0.5      || 26 || gamma     || gamma is given twice
            warmup:5% * cosine > constant           || 1  || warmup    || piece 1 of the sequence needs a length
            constant for 2 > cosine > linear        || 18 || cosine    || piece 2 of the sequence needs a length
            step:every=0.5                          || 12 || 0.5       || a duration in steps must be a whole number
            step:every=2days                        || 12 || 2days     || is not a duration
            exp:gamma=-1                            || 11 || -1        || gamma must be > 0
            exp:gamma=NaN                           || 11 || NaN       || gamma must be a number
            cosine for 30ep                         || 8  || for       || the last piece runs to the end of the run
            constant for > cosine                   || 14 || >         || expected a length after 'for'
            cosine | clamp                          || 10 || clamp     || give min=, max= or both
            cosine | clamp:min=0.5,max=0.1          || 10 || clamp     || min must not exceed max
            cosine | cosine                         || 10 || cosine    || expected clamp after '|'
            clamp:min=0.1                           || 1  || clamp     || clamp follows '|'
            onecycle:momentum=0.9                   || 19 || 0.9       || momentum must be a range like 0.85..0.95
            onecycle:momentum=0.9..1.5              || 19 || 0.9..1.5  || momentum must be in [0, 1)
            onecycle:pct=1                          || 14 || 1         || pct must be in (0, 1)
            cyclic:min=0.1,up=2,sawtooth            || 21 || sawtooth  || unexpected 'sawtooth' in cyclic
            cosine:after=sometimes                  || 14 || sometimes || after must be one of rise, clamp
            plateau:patience=1.5                    || 18 || 1.5       || patience must be a whole number
            multistep:at=[2,5],values=[1,0.5]       || 1  || multistep || values needs 3 entries
            multistep:at=[2],gamma=0.5,values=[1,2] || 1  || multistep || give gamma or values, not both
            warmup:5%,exp,from=0                    || 1  || warmup    || an exponential warmup needs from > 0
            step:every=2ep gamma=0.8                || 16 || gamma     || unexpected 'gamma' after a complete schedule
            cosine:                                 || 8  || ""        || expected an argument of cosine
            cosine:min=                             || 12 || ""        || expected a value for min=
            "  "                                    || 3  || ""        || the schedule is empty
            """)
    void badSpecsNameTheToken(String spec, int column, String token, String phrase) {
        ScheduleSpecException e = assertThrows(ScheduleSpecException.class, () -> ScheduleSpec.parse(spec).bind(PLAN));
        assertEquals(column, e.position() + 1, e.getMessage());
        assertEquals(token, e.token(), e.getMessage());
        assertTrue(e.getMessage().contains(phrase), e.getMessage());
        assertTrue(e.getMessage().startsWith("schedule error at column " + column), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        if (!token.isEmpty()) assertEquals(token, spec.substring(e.position(), e.position() + token.length()));
    }

    @Test
    void durationsThatVanishInThisRunNameTheirToken() {
        ScheduleSpecException e = assertThrows(ScheduleSpecException.class,
                () -> ScheduleSpec.parse("step:every=0.1%").bind(new RunPlan(10, 100)));
        assertEquals(11, e.position());
        assertEquals("0.1%", e.token());
        assertTrue(e.getMessage().contains("every=0.1% is 0 steps in this run (10 steps per epoch, 100 in all)"), e.getMessage());
    }

    /** 2000 nested parentheses overflowed the parser's stack (a StackOverflowError and a trace, exit 1). */
    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        String ok = "(".repeat(Parser.MAX_DEPTH) + "constant" + ")".repeat(Parser.MAX_DEPTH);
        assertEquals("constant", ScheduleSpec.parse(ok).toString());
        String deep = "(".repeat(2000) + "constant" + ")".repeat(2000);
        ScheduleSpecException e = assertThrows(ScheduleSpecException.class, () -> ScheduleSpec.parse(deep));
        assertEquals(Parser.MAX_DEPTH, e.position(), "the first '(' past the limit");
        assertTrue(e.getMessage().contains("parentheses nested more than 100 deep"), e.getMessage());
    }

    @Test
    void nullAndUnknownFamilies() {
        assertThrows(ScheduleSpecException.class, () -> ScheduleSpec.parse(null));
        ScheduleSpecException e = assertThrows(ScheduleSpecException.class, () -> ScheduleSpec.parse("warmup:5% > sgdr"));
        assertTrue(e.getMessage().contains("known: constant, step"), e.getMessage());
        assertFalse(e.getMessage().contains("did you mean"), e.getMessage());
    }

    @Test
    void familiesListEveryFamilyAndTheClamp() {
        var lines = ScheduleSpec.families();
        assertEquals(Families.all().size() + 1, lines.size());
        assertTrue(lines.get(1).startsWith("step      every*, gamma"), lines.get(1));
        assertTrue(lines.get(lines.size() - 1).startsWith("| clamp"));
    }

    @Test
    void observesMetricOnlyWithPlateau() {
        assertFalse(ScheduleSpec.parse("warmup:5% > cosine").observesMetric());
        assertTrue(ScheduleSpec.parse("(warmup:5% > cosine * plateau) | clamp:min=0.1").observesMetric());
        assertFalse(ScheduleSpec.parse("cosine").bind(PLAN).observesMetric());
    }
}
