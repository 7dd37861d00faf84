package dev.kiln.nn;

import dev.kiln.backend.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The parser of the model text form (see {@link Model}); every error names the model, the layer and the token. */
final class ModelText {
    private ModelText() {}

    static List<Layer> parseLayers(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("model: empty layer list");
        String[] tokens = text.split(",", -1);
        List<Layer> layers = new ArrayList<>(tokens.length);
        for (int i = 0; i < tokens.length; i++) {
            String tok = tokens[i].trim();
            try {
                layers.add(parseLayer(tok));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model '" + text + "': layer " + (i + 1) + " '" + tok + "': " + e.getMessage(), e);
            }
        }
        return layers;
    }

    private static Layer parseLayer(String tok) {
        if (tok.isEmpty()) throw new IllegalArgumentException("empty layer (two commas in a row?)");
        String[] parts = tok.split(":", -1);
        if (parts[0].trim().equalsIgnoreCase("dropout")) {
            if (parts.length != 2) throw new IllegalArgumentException("expected dropout:p, e.g. dropout:0.2");
            double p;
            try {
                p = Double.parseDouble(parts[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("dropout probability '" + parts[1].trim() + "' is not a number");
            }
            return new Dropout(p);
        }
        if (parts.length < 2 || parts.length > 3)
            throw new IllegalArgumentException("expected units:activation[:initializer], e.g. 9:relu");
        int units;
        try {
            units = Integer.parseInt(parts[0].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("units '" + parts[0].trim() + "' is not a positive integer");
        }
        if (units < 1) throw new IllegalArgumentException("units '" + parts[0].trim() + "' is not a positive integer");
        String act = parts[1].trim().toLowerCase(Locale.ROOT);
        float slope = Dense.DEFAULT_SLOPE;
        int open = act.indexOf('(');
        if (open >= 0) {
            if (!act.endsWith(")")) throw new IllegalArgumentException("activation '" + parts[1].trim() + "': missing ')'");
            String arg = act.substring(open + 1, act.length() - 1).trim();
            act = act.substring(0, open).trim();
            if (!act.equals("leaky_relu"))
                throw new IllegalArgumentException("activation '" + act + "' takes no argument (only leaky_relu(slope) does)");
            try {
                slope = Float.parseFloat(arg);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("leaky_relu slope '" + arg + "' is not a number");
            }
        }
        Activation a = activation(act);
        Initializer init = parts.length == 3 ? Initializer.parse(parts[2]) : Initializer.GLOROT_UNIFORM;
        return new Dense(units, a, slope, init);
    }

    private static Activation activation(String name) {
        return switch (name) {
            case "linear", "identity", "none" -> Activation.LINEAR;
            case "relu" -> Activation.RELU;
            case "leaky_relu", "leakyrelu" -> Activation.LEAKY_RELU;
            case "sigmoid" -> Activation.SIGMOID;
            case "tanh" -> Activation.TANH;
            case "gelu" -> Activation.GELU;
            case "softmax" -> Activation.SOFTMAX;
            default -> throw new IllegalArgumentException("unknown activation '" + name
                    + "' (known: linear, relu, leaky_relu, leaky_relu(slope), sigmoid, tanh, gelu, softmax)");
        };
    }
}
