package dev.kiln.train.checkpoint;

import dev.kiln.nn.Model;
import dev.kiln.train.DataShape;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What a checkpoint was taken for, as text and SHA-256: the model ({@code input=3;layers=16:relu,3:softmax;
 * loss=softmax_cross_entropy}) and the training data's shape ({@code rows=1000;cols=3;target_cols=3;classes=3}).
 * The texts make refusals readable; the hashes catch a hand-edited {@code state.json}.
 */
public final class Fingerprint {
    private Fingerprint() {}

    /** The canonical text of a model: input width, layers, loss. */
    public static String model(Model m) {
        return "input=" + m.inputSize() + ";layers=" + m.spec() + ";loss=" + m.loss().spec();
    }

    /** The canonical text of a data shape (the name is left out: a file may move). */
    public static String data(DataShape d) {
        return "rows=" + d.rows() + ";cols=" + d.cols() + ";target_cols=" + d.targetCols() + ";classes=" + d.classes();
    }

    /** The SHA-256 of {@code text} (UTF-8), in lower-case hex. */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);   // every Java SE has it
        }
    }
}
