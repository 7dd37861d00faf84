package dev.kiln.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.Activation;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTest {
    @Test
    void parsesTheSeedNetworkAndPrintsItBack() {
        Model m = Model.parse("9:relu,9:relu,9:relu,3:softmax", 3);
        assertEquals(3, m.inputSize());
        assertEquals(4, m.layers().size());
        assertEquals(Loss.SOFTMAX_CROSS_ENTROPY, m.loss());
        assertEquals(3, m.outputSize());
        assertEquals("9:relu,9:relu,9:relu,3:softmax", m.spec());
        // 3*9+9 + 9*9+9 + 9*9+9 + 9*3+3 = 36 + 90 + 90 + 30
        assertEquals(246, m.parameterCount());
    }

    @Test
    void parsesDropoutLeakySlopeAndInitializers() {
        Model m = Model.parse("16:leaky_relu(0.2):he_normal, dropout:0.25, 8:tanh:zeros, 1:sigmoid", 4);
        Dense first = (Dense) m.layers().get(0);
        assertEquals(Activation.LEAKY_RELU, first.activation());
        assertEquals(0.2f, first.slope());
        assertEquals(Initializer.HE_NORMAL, first.initializer());
        assertEquals(new Dropout(0.25), m.layers().get(1));
        assertEquals(Initializer.ZEROS, ((Dense) m.layers().get(2)).initializer());
        assertEquals(Loss.BINARY_CROSS_ENTROPY, m.loss());
        assertEquals("16:leaky_relu(0.2):he_normal,dropout:0.25,8:tanh:zeros,1:sigmoid", m.spec());
        assertEquals(m, Model.parse(m.spec(), 4));
        // the default slope is PyTorch's 0.01 and is not written out
        assertEquals(Dense.DEFAULT_SLOPE, ((Dense) Model.parse("2:leaky_relu,1:linear", 1).layers().get(0)).slope());
        assertEquals("2:leaky_relu,1:linear", Model.parse("2:leaky_relu,1:linear", 1).spec());
    }

    @Test
    void errorsNameTheToken() {
        assertMessage("layer 2 'x:relu': units 'x' is not a positive integer", () -> Model.parse("9:relu,x:relu,3:softmax", 3));
        assertMessage("layer 1 '9:rellu': unknown activation 'rellu'", () -> Model.parse("9:rellu,3:softmax", 3));
        assertMessage("layer 2 'dropout:1.5': dropout: p must be in [0, 1), got 1.5", () -> Model.parse("9:relu,dropout:1.5,3:softmax", 3));
        assertMessage("layer 1 '9:relu(0.1)': activation 'relu' takes no argument", () -> Model.parse("9:relu(0.1),3:softmax", 3));
        assertMessage("layer 2 '': empty layer", () -> Model.parse("9:relu,,3:softmax", 3));
        assertMessage("unknown initializer 'glorot'", () -> Model.parse("9:relu:glorot,3:softmax", 3));
        assertMessage("the last layer must be Dense, got 'dropout:0.5'", () -> Model.parse("9:relu,dropout:0.5", 3));
        assertMessage("input size must be >= 1, got 0", () -> Model.parse("3:softmax", 0));
    }

    @Test
    void lossMustFitTheOutputActivation() {
        assertMessage("loss softmax_cross_entropy needs a softmax output layer, but the last layer is '3:relu'",
                () -> Model.parse("9:relu,3:relu", 3, Loss.SOFTMAX_CROSS_ENTROPY));
        assertMessage("loss bce needs a sigmoid output layer, but the last layer is '3:softmax'",
                () -> Model.parse("3:softmax", 3, Loss.BINARY_CROSS_ENTROPY));
        // MSE takes any output; the default for linear is MSE
        assertEquals(Loss.MSE, Model.parse("3:softmax", 3, Loss.MSE).loss());
        assertEquals(Loss.MSE, Model.parse("4:tanh,1:linear", 3).loss());
        assertEquals(Loss.SOFTMAX_CROSS_ENTROPY, Loss.parse("categorical_crossentropy"));
        assertMessage("unknown loss 'hinge'", () -> Loss.parse("hinge"));
    }

    @Test
    void builderMatchesParsedText() {
        Model built = Model.builder().input(3).dense(9, Activation.RELU).dropout(0.1).leakyRelu(5, 0.3f)
                .dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        assertEquals(Model.parse("9:relu,dropout:0.1,5:leaky_relu(0.3),3:softmax", 3), built);
        assertMessage("call input(n)", () -> Model.builder().dense(3, Activation.SOFTMAX).build());
    }

    @Test
    void layoutPutsEachWeightBeforeItsBiasInPyTorchOrientation() {
        Model m = Model.parse("4:relu,dropout:0.5,2:softmax", 3);
        ParameterLayout p = m.layout();
        assertEquals(2, p.layers());
        assertEquals(3, p.in(0));
        assertEquals(4, p.out(0));
        assertEquals(0, p.weightOffset(0));
        assertEquals(12, p.biasOffset(0));          // weight [4, 3]
        assertEquals(4, p.in(1));                   // dropout keeps the width
        assertEquals(16, p.weightOffset(1));
        assertEquals(24, p.biasOffset(1));          // weight [2, 4]
        assertEquals(26, p.size());
        List<ParameterLayout.Tensor> t = p.tensors();
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"),
                t.stream().map(ParameterLayout.Tensor::name).toList());
        assertArrayEquals(new int[] {2, 4}, t.get(2).shape());
        assertEquals(24, t.get(3).offset());
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' lacks '" + part + "'");
    }
}
