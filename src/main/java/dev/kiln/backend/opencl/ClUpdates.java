package dev.kiln.backend.opencl;

import dev.kiln.backend.BackendException;
import dev.kiln.backend.UpdateRule;
import java.util.EnumMap;
import java.util.List;

/**
 * The fused optimizer kernels, {@code kiln_update_<rule>} of kernels/opencl/optim.cl over the per-element
 * formulas of kernels/common/kiln_optim.h. They live in their own program, built on the first update
 * (once per context), so the layer kernels never wait for, nor break on, the optimizer sources; each
 * rule's cl_kernel is created on its first use and kept in an EnumMap. A missing rule kernel is a
 * BackendException naming it.
 */
final class ClUpdates {
    static final List<String> HEADERS = List.of("kiln_math.h", "kiln_optim.h", "kiln_nn.h");
    static final String FILE = "optim.cl";

    private final long context;
    private final long device;
    private final EnumMap<UpdateRule, ClKernel> kernels = new EnumMap<>(UpdateRule.class);
    private ClProgram program;
    private String failure;

    ClUpdates(long context, long device) {
        this.context = context;
        this.device = device;
    }

    /** The kernel of {@code rule}, building the program on first use. */
    ClKernel kernel(UpdateRule rule) {
        ClKernel k = kernels.get(rule);
        if (k != null) return k;
        if (failure != null) throw new BackendException(failure);
        if (program == null) {
            try {
                program = ClProgram.build(context, device, ClProgram.assemble(HEADERS, List.of(FILE)),
                        "kernels/opencl/" + FILE);
            } catch (BackendException e) {
                failure = e.getMessage();
                throw e;
            }
        }
        try {
            k = program.kernel(rule.kernelName());
        } catch (BackendException e) {
            throw new BackendException("opencl update: no kernel " + rule.kernelName() + " for " + rule
                    + " in kernels/opencl/" + FILE, e);
        }
        kernels.put(rule, k);
        return k;
    }

    void release() {
        for (ClKernel k : kernels.values()) k.release();
        kernels.clear();
        if (program != null) program.release();
        program = null;
    }
}
