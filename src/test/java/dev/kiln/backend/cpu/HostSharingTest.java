package dev.kiln.backend.cpu;

import static org.junit.jupiter.api.Assertions.*;

import dev.kiln.backend.DeviceBuffer;
import dev.kiln.backend.HostSharing;
import org.junit.jupiter.api.Test;

/** The CPU backend serves a host array as a device buffer without copying it (training data held once). */
class HostSharingTest {
    @Test
    void sharedBufferIsTheArrayItself() {
        try (CpuBackend b = (CpuBackend) new CpuBackendProvider().create(-1)) {
            float[] data = {1f, 2f, 3f, 4f, 5f, 6f};          // 3 rows of 2
            DeviceBuffer shared = ((HostSharing) b).shareReadOnly(data);
            assertEquals(6, shared.length());
            assertFalse(shared.isInt());

            DeviceBuffer idx = b.allocInt(2);
            b.uploadInt(new int[] {2, 0}, 0, idx, 0, 2);
            DeviceBuffer out = b.alloc(4);
            b.gather(shared, 2, idx, 0, 2, out);
            float[] got = new float[4];
            b.download(out, 0, got, 0, 4);
            assertArrayEquals(new float[] {5f, 6f, 1f, 2f}, got);

            data[4] = 50f;                                      // no copy: a change to the array shows through
            b.gather(shared, 2, idx, 0, 2, out);
            b.download(out, 0, got, 0, 4);
            assertEquals(50f, got[0]);

            shared.close();                                     // closing the view leaves the caller's array alone
            assertEquals(50f, data[4]);
            assertThrows(RuntimeException.class, () -> b.gather(shared, 2, idx, 0, 2, out));
        }
    }
}
