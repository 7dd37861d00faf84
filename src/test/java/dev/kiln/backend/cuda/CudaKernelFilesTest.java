package dev.kiln.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import dev.kiln.backend.UpdateRule;
import org.junit.jupiter.api.Test;

/**
 * The shipped CUDA kernels, checked without a GPU (llm.c's CI job that compiles PTX and SASS on a machine
 * without one): the fatbin is what the sources give, it is a fatbin, its PTX defines every kernel the
 * backend looks up with the parameter types the Java side passes, and ptxas accepts that PTX.
 */
class CudaKernelFilesTest {

    private static String ptx() {
        return new String(CudaModule.resource(CudaModule.PTX), StandardCharsets.US_ASCII);
    }

    @Test
    void committedFatbinIsFreshForItsSources() throws Exception {
        Optional<Path> nvcc = Tools.onPath("nvcc");
        // with nvcc: a rebuild byte-compared with native/cuda; without: sha256 of sources and outputs against MANIFEST
        Tools.Result r = Tools.run(List.of("bash", "kernels/build", "--check"), 600);
        assertEquals(0, r.status(), "kernels/build --check failed:\n" + r.output());
        assertTrue(r.output().contains(nvcc.isPresent() ? "byte-identical to a rebuild" : "match MANIFEST"), r.output());
    }

    @Test
    void fatbinInTheJarResourcesStartsWithTheFatbinMagic() {
        byte[] fatbin = CudaModule.resource(CudaModule.FATBIN);
        assertTrue(fatbin.length > 1000, "fatbin of " + fatbin.length + " bytes");
        // 0xBA55ED50 little-endian: 50 ED 55 BA
        assertEquals(0x50, fatbin[0] & 0xff);
        assertEquals(0xED, fatbin[1] & 0xff);
        assertEquals(0x55, fatbin[2] & 0xff);
        assertEquals(0xBA, fatbin[3] & 0xff);
        assertEquals(CudaModule.FATBIN_MAGIC, CudaModule.magic(fatbin));
        assertEquals(0, CudaModule.magic(new byte[] {0x50, (byte) 0xED}), "too short to be a fatbin");
    }

    @Test
    void jarResourcesAreTheFilesTheManifestNames() {
        String manifest = new String(CudaModule.resource(CudaModule.MANIFEST), StandardCharsets.UTF_8);
        String fatbin = CudaModule.sha256(CudaModule.resource(CudaModule.FATBIN));
        String ptx = CudaModule.sha256(CudaModule.resource(CudaModule.PTX));
        assertTrue(manifest.contains(fatbin + "  native/cuda/kiln.fatbin"), "MANIFEST lacks the packaged fatbin's sha256 " + fatbin);
        assertTrue(manifest.contains(ptx + "  native/cuda/kiln.ptx"), "MANIFEST lacks the packaged PTX's sha256 " + ptx);
        assertTrue(manifest.contains("--fmad=false") && !manifest.contains("use_fast_math"), "build flags: " + manifest);
        for (String code : new String[] {"code=[sm_75,sm_80,sm_86,sm_89]", "code=[sm_90,compute_90]"})
            assertTrue(manifest.contains(code), "fatbin flags name " + code + ": " + manifest);
    }

    @Test
    void ptxDefinesEveryKernelTheBackendLooksUpWithItsParameterTypes() {
        Map<String, List<String>> entries = Ptx.entries(ptx());
        Map<String, String> wanted = CudaKernels.SIGNATURES;
        for (UpdateRule r : UpdateRule.values())
            assertTrue(wanted.containsKey(r.kernelName()), "the Java list names " + r.kernelName());
        TreeSet<String> missing = new TreeSet<>(wanted.keySet());
        missing.removeAll(entries.keySet());
        assertTrue(missing.isEmpty(), "kernels the backend looks up but the PTX lacks: " + missing);
        TreeSet<String> unused = new TreeSet<>(entries.keySet());
        unused.removeAll(wanted.keySet());
        assertTrue(unused.isEmpty(), "kernels in the PTX that the backend never looks up: " + unused);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            List<String> expected = new ArrayList<>();
            for (char c : e.getValue().toCharArray()) expected.add(Ptx.type(c));
            List<String> actual = entries.get(e.getKey());
            if (!expected.equals(actual)) wrong.add(e.getKey() + ": Java passes " + expected + ", PTX takes " + actual);
        }
        assertTrue(wrong.isEmpty(), "parameter lists differ:\n" + String.join("\n", wrong));
    }

    @Test
    void launchGeometryConstantsAgreeWithTheKernelSources() throws Exception {
        String common = Files.readString(Tools.root().resolve("kernels/cuda/kiln_cuda.cuh"));
        String gemm = Files.readString(Tools.root().resolve("kernels/cuda/gemm.cu"));
        assertTrue(common.contains("#define KILN_BLOCK " + CudaKernels.BLOCK + "\n"), "KILN_BLOCK != CudaKernels.BLOCK");
        assertTrue(common.contains("#define KILN_MAX_PARTIALS " + CudaKernels.MAX_PARTIALS + "\n"), "KILN_MAX_PARTIALS != MAX_PARTIALS");
        assertTrue(gemm.contains("#define KILN_GEMM_BM " + CudaKernels.GEMM_TILE + " "), "KILN_GEMM_BM != GEMM_TILE");
        assertTrue(gemm.contains("#define KILN_GEMM_BN " + CudaKernels.GEMM_TILE + " "), "KILN_GEMM_BN != GEMM_TILE");
        assertTrue(gemm.contains("#define KILN_GEMM_THREADS " + CudaKernels.GEMM_THREADS + " "), "KILN_GEMM_THREADS != GEMM_THREADS");
        // the SGEMM kernels declare their block size, which the launch must match
        String ptx = ptx();
        for (String t : new String[] {"nn", "nt", "tn", "tt"}) {
            int at = ptx.indexOf(".entry kiln_sgemm_" + t + "(");
            int brace = ptx.indexOf('{', at);
            assertTrue(at >= 0 && ptx.substring(at, brace).contains(".maxntid " + CudaKernels.GEMM_THREADS + ", 1, 1"),
                    "kiln_sgemm_" + t + " is not bounded to " + CudaKernels.GEMM_THREADS + " threads");
        }
    }

    @Test
    void ptxParserReadsEntriesAndParameterTypes() {
        String sample = ".visible .entry kiln_a(\n\t.param .u64 kiln_a_param_0,\n\t.param .u32 kiln_a_param_1,\n"
                + "\t.param .f32 kiln_a_param_2\n)\n{\n}\n.visible .entry kiln_b()\n{\n}\n";
        Map<String, List<String>> e = Ptx.entries(sample);
        assertEquals(List.of("kiln_a", "kiln_b"), new ArrayList<>(e.keySet()));
        assertEquals(List.of("u64", "u32", "f32"), e.get("kiln_a"));
        assertEquals(List.of(), e.get("kiln_b"));
    }

    @Test
    void ptxasAcceptsThePtxForSm90() throws Exception {
        Optional<Path> ptxas = Tools.onPath("ptxas");
        assumeTrue(ptxas.isPresent(), "ptxas not on PATH (the CUDA toolkit is not installed)");
        Path file = Files.createTempFile("kiln", ".ptx");
        Path out = Files.createTempFile("kiln", ".cubin");
        try {
            Files.writeString(file, ptx(), StandardCharsets.US_ASCII);
            Tools.Result r = Tools.run(List.of(ptxas.get().toString(), "-arch=sm_90", "-o", out.toString(), file.toString()), 300);
            assertEquals(0, r.status(), "ptxas -arch=sm_90 rejects the PTX:\n" + r.output());
            assertTrue(Files.size(out) > 1000, "ptxas wrote a cubin");
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(out);
        }
    }
}
