package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.Tolerance;
import dev.kiln.nn.Safetensors;
import dev.kiln.report.Json;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln train} as a PyTorch user would check it: the first case of
 * {@code src/test/resources/golden/training/pytorch.py} (digits, Keras's validation split 0.2, standardised on
 * the training rows, 64-32-16-10 relu/tanh/softmax from PyTorch's initial weights, Nesterov SGD with weight
 * decay, the rate halved every 23 steps, batch 64 in file order, 4 epochs) given as command-line options, and
 * the run directory's {@code metrics.csv} and {@code model.safetensors} compared with what PyTorch printed.
 * The library side of the same comparison, on every backend and for the other losses, is
 * {@code dev.kiln.train.TorchTrainingGoldenTest}; this one checks that the command line's data handling
 * (the built-in set, {@code --standardize}, {@code --validation-split}, {@code --init}) and its files keep
 * those numbers.
 */
class TrainMatchesPyTorchTest {
    /** As TorchTrainingGoldenTest's: float32 training in two summation orders, measured 2.4e-7 apart at most. */
    static final Tolerance PARAMETERS = new Tolerance(2e-6, 2e-5);
    static final Tolerance METRICS = new Tolerance(1e-6, 1e-5);

    @Test
    void aRunFromTheCommandLineGivesPyTorchsNumbers(@TempDir Path tmp) throws Exception {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/training/pytorch.json")) {
            golden = Json.MAPPER.readTree(in).get("cases").get(0);
        }
        assertEquals("ce_sgd_nesterov", golden.get("name").asText());
        Path init = Path.of(getClass().getResource("/golden/training/ce_sgd_nesterov.init.safetensors").toURI());
        Path run = tmp.resolve("run");
        Cli.run("train", "--data", "digits", "--standardize", "--validation-split", "0.2",
                "--layers", "32:relu,16:tanh,10:softmax", "--init", init.toString(),
                "--optimizer", "sgd:lr=0.05,momentum=0.9,weight_decay=1e-4,nesterov", "--schedule", "step:every=23,gamma=0.5",
                "--epochs", "4", "--batch-size", "64", "--no-shuffle", "--backend", "cpu", "--out", run.toString(), "--quiet").ok();

        List<String[]> metrics = Cli.csv(run.resolve("metrics.csv"));
        List<String> header = List.of(metrics.get(0));
        JsonNode epochs = golden.get("epochs");
        assertEquals(epochs.size() + 1, metrics.size(), "header + one row per epoch");
        for (int e = 0; e < epochs.size(); e++) {
            String[] row = metrics.get(e + 1);
            for (String metric : List.of("loss", "accuracy", "val_loss", "val_accuracy"))
                METRICS.assertClose("metrics.csv epoch " + e + " " + metric, epochs.get(e).get(metric).asDouble(),
                        Double.parseDouble(row[header.indexOf(metric)]));
        }
        assertEquals(golden.get("steps").asLong() - 1, Long.parseLong(metrics.get(epochs.size())[header.indexOf("step")]),
                "the last step of the run (1437 training rows in batches of 64: 23 steps an epoch)");

        // model.safetensors holds the layers (and the standardiser's statistics); compare the layers in order
        Map<String, Safetensors.Tensor> tensors = Safetensors.read(run.resolve("model.safetensors")).tensors();
        List<Double> got = new ArrayList<>();
        for (int i = 0; i < 3; i++)
            for (String part : List.of("weight", "bias"))
                for (float v : tensors.get("layers." + i + "." + part).data()) got.add((double) v);
        JsonNode fin = golden.get("final");
        double[] expected = new double[fin.size()];
        for (int i = 0; i < expected.length; i++) expected[i] = fin.get(i).asDouble();
        PARAMETERS.assertClose("model.safetensors", expected, got.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
