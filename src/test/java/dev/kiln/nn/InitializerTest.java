package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InitializerTest {
    @Test
    void oneSeedGivesBitIdenticalWeightsAndBiasesStartAtZero() {
        Model m = Model.parse("32:relu:he_normal,16:tanh:he_uniform,4:softmax", 10);
        float[] a = m.initialParameters(5), b = m.initialParameters(5), c = m.initialParameters(6);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        ParameterLayout p = m.layout();
        for (int i = 0; i < p.layers(); i++)
            for (int j = 0; j < p.out(i); j++) assertEquals(0f, a[p.biasOffset(i) + j], "bias " + i + "." + j);
    }

    @Test
    void piecesThroughASmallBufferGiveTheWholeArrayExactly() {
        // the trainer uploads the initial parameters a piece at a time; every piece size must give the same
        // values, including pieces that split a layer's weights and its biases, and the rejection-sampled he_normal
        Model m = Model.parse("32:relu:he_normal,16:tanh:he_uniform,4:softmax", 10);
        float[] whole = m.initialParameters(5);
        for (int size : new int[] {1, 3, 7, 320, 1000}) {
            float[] streamed = new float[whole.length];
            Arrays.fill(streamed, Float.NaN);
            int[] pieces = {0};
            m.initialParameters(5, new float[size], (values, n, offset) -> {
                assertTrue(n >= 1 && n <= size, "piece of " + n);
                System.arraycopy(values, 0, streamed, (int) offset, n);
                pieces[0]++;
            });
            assertArrayEquals(whole, streamed, "buffer of " + size);
            assertTrue(pieces[0] >= (whole.length + size - 1) / size, "pieces " + pieces[0]);
        }
    }

    @Test
    void changingOneLayerLeavesTheOthersDrawsAlone() {
        float[] a = Model.parse("8:relu,8:relu,3:softmax", 5).initialParameters(1);
        float[] b = Model.parse("8:relu,8:relu:he_uniform,3:softmax", 5).initialParameters(1);
        assertArrayEquals(Arrays.copyOfRange(a, 0, 40), Arrays.copyOfRange(b, 0, 40));      // layer 0 weight [8, 5]
        assertArrayEquals(Arrays.copyOfRange(a, 120, 144), Arrays.copyOfRange(b, 120, 144)); // layer 2 weight [3, 8]
    }

    @Test
    void glorotUniformHasKerasLimitAndVariance() {
        int in = 300, out = 200;
        float[] w = draw(Initializer.GLOROT_UNIFORM, in, out);
        double limit = Math.sqrt(6.0 / (in + out));
        assertBounded(w, limit);
        // U(-l, l) has variance l^2 / 3; 60000 draws give the sample variance within about 1%
        assertEquals(limit * limit / 3, variance(w), 0.02 * limit * limit / 3);
        assertTrue(max(w) > 0.99 * limit, "draws should reach near the limit");
    }

    @Test
    void heUniformAndHeNormal() {
        int in = 400, out = 150;
        float[] u = draw(Initializer.HE_UNIFORM, in, out);
        double limit = Math.sqrt(6.0 / in);
        assertBounded(u, limit);
        assertEquals(limit * limit / 3, variance(u), 0.02 * limit * limit / 3);
        float[] n = draw(Initializer.HE_NORMAL, in, out);
        // Keras HeNormal: truncated at 2 stddev of the pre-correction normal, variance restored to 2 / fan_in
        double std = Math.sqrt(2.0 / in) / 0.87962566103423978;
        assertBounded(n, 2 * std);
        assertEquals(2.0 / in, variance(n), 0.03 * 2.0 / in);
        assertEquals(0.0, mean(n), 4 * Math.sqrt(2.0 / in / n.length));
    }

    @Test
    void zeros() {
        float[] z = draw(Initializer.ZEROS, 3, 4);
        assertArrayEquals(new float[12], z);
    }

    private static float[] draw(Initializer init, int in, int out) {
        float[] w = new float[in * out];
        Arrays.fill(w, Float.NaN);
        init.fill(w, 0, in, out, new SplittableRandom(99));
        return w;
    }

    private static void assertBounded(float[] w, double limit) {
        for (int i = 0; i < w.length; i++) assertTrue(Math.abs(w[i]) <= limit, "w[" + i + "] = " + w[i] + " beyond " + limit);
    }

    private static double mean(float[] w) {
        double s = 0;
        for (float v : w) s += v;
        return s / w.length;
    }

    private static double variance(float[] w) {
        double m = mean(w), s = 0;
        for (float v : w) s += (v - m) * (v - m);
        return s / w.length;
    }

    private static double max(float[] w) {
        double m = 0;
        for (float v : w) m = Math.max(m, Math.abs(v));
        return m;
    }
}
