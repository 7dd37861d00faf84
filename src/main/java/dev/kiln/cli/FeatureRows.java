package dev.kiln.cli;

import dev.kiln.data.Dataset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A CSV file of features only (no label column), as {@code kiln predict} accepts: comma-separated decimal
 * numbers, blank lines skipped, a header line auto-detected (the first line is one when a cell is not a
 * number). Errors name the file, the line and the cell.
 */
final class FeatureRows {
    private FeatureRows() {}

    /** Decimal numbers as CSV files write them: no NaN, infinities or hex (the same rule as the data reader's). */
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** The number of cells in the first data line (after a header, if any), or -1 for an empty file. */
    static int width(Path file) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            boolean first = true;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] cells = line.split(",", -1);
                if (first && !allNumbers(cells)) {
                    first = false;
                    continue;
                }
                return cells.length;
            }
            return -1;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads every row as features; targets are left empty (a zero column, never read by prediction). */
    static Dataset read(Path file) {
        List<float[]> rows = new ArrayList<>();
        int width = -1, lineNo = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            boolean first = true;
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] cells = line.split(",", -1);
                if (first) {
                    first = false;
                    if (!allNumbers(cells)) continue;   // the header
                }
                if (width < 0) width = cells.length;
                if (cells.length != width)
                    throw new IllegalArgumentException(file + ": line " + lineNo + ": " + cells.length + " cells, but the first row has " + width);
                float[] row = new float[width];
                for (int j = 0; j < width; j++) {
                    String c = cells[j].strip();
                    if (!NUMBER.matcher(c).matches())
                        throw new IllegalArgumentException(file + ": line " + lineNo + ": cell " + (j + 1) + " '" + c + "' is not a number");
                    row[j] = Float.parseFloat(c);
                }
                rows.add(row);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) throw new IllegalArgumentException(file + ": no data rows");
        float[] x = new float[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, x, i * width, width);
        return new Dataset(file.toString(), x, width, new float[rows.size()], 1, 0, List.of(), List.of());
    }

    private static boolean allNumbers(String[] cells) {
        for (String c : cells) if (!NUMBER.matcher(c.strip()).matches()) return false;
        return true;
    }
}
