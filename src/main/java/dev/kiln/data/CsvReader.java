package dev.kiln.data;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CSV file of numbers into a {@link Dataset}. The file is RFC 4180 CSV as Apache Commons CSV reads it
 * (a quoted cell may hold the delimiter, doubled quotes and line breaks; cells are trimmed). Options (all
 * optional):
 * <ul>
 *   <li>header: auto-detected by default: the first line is a header when one of its cells is a name (not a
 *       number, NaN, an infinity or empty) standing over a number on the next line, or names the label column
 *       given; when its names stand only over names (class names in the label column), it is a row if its
 *       label is one of the classes the other rows hold, else the header; scikit-learn's own header form {@code n_rows,n_features,class names...} (as in its iris.csv)
 *       is recognised: it names the classes, and the row count is checked;</li>
 *   <li>label column: by name (needs a header) or by 0-based index, negative counting from the end;
 *       default the last column (the last k columns for one-hot labels);</li>
 *   <li>labels: classes (default), one-hot columns, or plain values (regression). A class column holds
 *       either whole numbers, the class indices (classes = largest + 1 unless given), or names such as
 *       {@code setosa}: then the classes are the distinct names in sorted order (scikit-learn's LabelEncoder;
 *       {@link Dataset#classNames()} lists them), or the names given by {@link #classNames(List)}, which is how a
 *       test file is read with its training file's classes.</li>
 * </ul>
 * Every other column is a feature. Blank lines are skipped. Every error is one line naming the file and,
 * where there is one, the line: ragged row, non-numeric cell, missing label column, empty data, broken quoting. A NaN or
 * infinite value ({@code NaN}, {@code Inf}, {@code -Infinity}, or a number past float range) is rejected with
 * its file:line:column, or, with {@link NanPolicy#DROP}, its row is dropped and {@link #dropNote()} says how
 * many were.
 *
 * <pre>{@code Dataset d = new CsvReader().labelColumn("species").read(Path.of("iris.csv"));}</pre>
 */
public final class CsvReader {
    /** Whether the first line is a header. */
    public enum Header {
        /** A header if any cell of the first line is not a number. */
        AUTO,
        /** The first line is a header. */
        PRESENT,
        /** Every line is data. */
        ABSENT
    }

    /** How the label column(s) are written. */
    public enum Labels {
        /** One column of class indices 0, 1, ... (whole numbers). */
        CLASS,
        /** k columns holding a one-hot vector. */
        ONE_HOT,
        /** One column of real values (regression). */
        VALUE,
        /** No label column: every column is a feature (rows to predict). */
        NONE
    }

    private Header header = Header.AUTO;
    private String labelName;
    private Integer labelIndex;
    private Labels labels = Labels.CLASS;
    private int oneHotColumns = 0;
    private int classes = 0;
    private List<String> names;
    private char delimiter = ',';
    private NanPolicy nanPolicy = NanPolicy.REJECT;
    private java.util.Set<String> skipNames = java.util.Set.of();
    private int dropped;
    private String dropNote;

    /** A reader with the defaults: header auto-detected, integer class labels in the last column. */
    public CsvReader() {}

    /** Whether the first line is a header (default {@link Header#AUTO}). */
    public CsvReader header(Header h) { header = h; return this; }

    /**
     * The label column by header name, or, when {@code nameOrIndex} is an integer that is not a column name,
     * by index (0-based; -1 is the last column).
     */
    public CsvReader labelColumn(String nameOrIndex) { labelName = nameOrIndex; labelIndex = null; return this; }

    /** The label column by 0-based index; negative counts from the end (-1 is the last column). */
    public CsvReader labelColumn(int index) { labelIndex = index; labelName = null; return this; }

    /** Labels are integer class indices (the default). */
    public CsvReader classLabels() { labels = Labels.CLASS; return this; }

    /** Labels are one-hot over {@code k} columns starting at the label column (default: the last k). */
    public CsvReader oneHotLabels(int k) {
        if (k < 2) throw new IllegalArgumentException("one-hot labels need at least 2 columns, got " + k);
        labels = Labels.ONE_HOT;
        oneHotColumns = k;
        return this;
    }

    /** The label column holds real values (regression: MSE loss, no accuracy). */
    public CsvReader valueLabels() { labels = Labels.VALUE; return this; }

    /**
     * No label column: every column is a feature, for rows to predict. The data set's targets are one zero
     * column, which prediction never reads.
     */
    public CsvReader featuresOnly() { labels = Labels.NONE; return this; }

    /**
     * Columns, named in the header, that are not read at all (neither features nor label, whatever they hold): an
     * id or a label column next to the features of rows to predict. Needs a header that names them.
     */
    public CsvReader skipColumns(java.util.Collection<String> columnNames) {
        skipNames = java.util.Set.copyOf(columnNames);
        return this;
    }

    /**
     * The number of cells in a file's rows, read from its first data row (after a header, decided as
     * {@link #read} decides it), without reading the rest; -1 for a file with no data row.
     */
    public int columns(Path file) {
        String[][] lines = firstTwoLines(file);
        if (lines[0] == null) return -1;
        if (lines[1] == null) return header == Header.ABSENT || (header == Header.AUTO && allNumeric(lines[0])) ? lines[0].length : -1;
        return isHeaderLine(lines[0], lines[1]) ? lines[1].length : lines[0].length;
    }

    /**
     * The names in a file's header (its first line, decided as {@link #read} decides it from the first two), or
     * an empty list when the file has none. A first line of names standing only over names counts as a header
     * here (read() looks at the whole label column for that case).
     */
    public List<String> header(Path file) {
        String[][] lines = firstTwoLines(file);
        if (lines[0] == null || header == Header.ABSENT) return List.of();
        if (header == Header.PRESENT || lines[1] == null) return header == Header.PRESENT || !allNumeric(lines[0]) ? List.of(lines[0]) : List.of();
        return isHeaderLine(lines[0], lines[1]) || !allNumeric(lines[0]) ? List.of(lines[0]) : List.of();
    }

    private boolean isHeaderLine(String[] first, String[] next) {
        return header == Header.PRESENT || (header == Header.AUTO && !allNumeric(first) && isHeader(first, next));
    }

    /** The first two non-blank records of a file (null where there are fewer). */
    private String[][] firstTwoLines(Path file) {
        checkIsText(file);
        String[][] out = new String[2][];
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = CSVParser.builder().setReader(skipBom(r)).setFormat(format()).get()) {
            int n = 0;
            for (CSVRecord record : parser) {
                String[] cells = record.values();
                if (cells.length == 1 && cells[0].isEmpty()) continue;
                out[n++] = cells;
                if (n == 2) break;
            }
            return out;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot read (permission denied)");
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof CSVException c) throw new IllegalArgumentException(file + ": " + c.getMessage());
            if (e.getCause() instanceof java.nio.charset.CharacterCodingException) throw notUtf8(file);
            throw new UncheckedIOException(file + ": " + e.getMessage(), e.getCause());
        } catch (java.nio.charset.CharacterCodingException e) {
            throw notUtf8(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The text after a leading byte-order mark, if any: spreadsheet programs save "CSV UTF-8" with one, and it
     * would otherwise be part of the first header name.
     */
    private static Reader skipBom(Reader in) throws IOException {
        java.io.PushbackReader r = new java.io.PushbackReader(in, 1);
        int c = r.read();
        if (c != -1 && c != '\uFEFF') r.unread(c);
        return r;
    }

    /** RFC 4180 as Apache Commons CSV reads it, with this reader's delimiter, cells trimmed, empty lines skipped. */
    private CSVFormat format() {
        return CSVFormat.DEFAULT.builder().setDelimiter(delimiter).setTrim(true).setIgnoreEmptyLines(true).get();
    }

    /** The number of classes (default: the largest label + 1); a label outside [0, n) is an error. */
    public CsvReader classes(int n) {
        if (n < 1) throw new IllegalArgumentException("classes must be >= 1, got " + n);
        classes = n;
        names = null;
        return this;
    }

    /**
     * The classes by name, in index order (a training set's {@link Dataset#classNames()}): a label cell that is
     * one of the names is that class, a whole number below their count is that index, anything else is an
     * error naming the line.
     */
    public CsvReader classNames(List<String> classNames) {
        if (classNames.isEmpty()) throw new IllegalArgumentException("class names: the list is empty");
        names = List.copyOf(classNames);
        classes = names.size();
        return this;
    }

    /** What to do with NaN and infinite values (default {@link NanPolicy#REJECT}). */
    public CsvReader nanPolicy(NanPolicy p) {
        nanPolicy = p == null ? NanPolicy.REJECT : p;
        return this;
    }

    /** Rows the last read dropped for NaN or infinite values ({@link NanPolicy#DROP}). */
    public int droppedRows() { return dropped; }

    /**
     * One line about the rows the last read dropped, e.g. {@code train.csv: dropped 3 of 1000 rows holding NaN
     * or infinite values (lines 4, 9, 12)}, or null when none were.
     */
    public String dropNote() { return dropNote; }

    /** The cell separator (default ','). */
    public CsvReader delimiter(char d) { delimiter = d; return this; }

    /** Reads a file. */
    public Dataset read(Path file) {
        checkIsText(file);
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(file.toString(), r);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot read (permission denied)");
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof java.nio.charset.CharacterCodingException) throw notUtf8(file);
            throw e;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw notUtf8(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Fails, naming the file, when it is a directory or its first bytes are a known binary format (an IDX file,
     * gzip data, an image, a safetensors file...) or JSON, rather than let the parser report a bad cell.
     */
    private static void checkIsText(Path file) {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(file + ": is a directory, not a CSV file");
        byte[] head;
        try (java.io.InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(512);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": cannot read (permission denied)");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        String kind = FileKinds.guess(head);
        if (kind != null && !kind.startsWith("text") && !kind.equals("an empty file"))
            throw new IllegalArgumentException(file + ": not a CSV file: it looks like " + kind
                    + (kind.contains("IDX") || kind.startsWith("gzip") ? " (IDX data is given as IMAGES:LABELS)" : ""));
    }

    private static IllegalArgumentException notUtf8(Path file) {
        return new IllegalArgumentException(file + ": not UTF-8 text (a byte sequence is not UTF-8, e.g. a Latin-1 accent): "
                + "save the file as UTF-8");
    }

    /** Reads CSV text; {@code name} is used in messages and as the dataset's name. */
    public Dataset read(String name, Reader in) {
        dropped = 0;
        dropNote = null;
        // quoted cells may hold the delimiter, quotes ("") and line breaks
        try (CSVParser parser = CSVParser.builder().setReader(skipBom(in)).setFormat(format()).get()) {
            return new Parse(name).run(parser);
        } catch (UncheckedIOException e) {
            // malformed quoting: Commons CSV names the line and position ("... at line: 3, position: 12")
            if (e.getCause() instanceof CSVException c) throw new IllegalArgumentException(name + ": " + c.getMessage());
            throw new UncheckedIOException(name + ": " + e.getMessage(), e.getCause());
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": " + e.getMessage(), e);
        }
    }

    /** The state of one read. */
    private final class Parse {
        final String name;
        String[] headerCells;
        boolean sklearnHeader;
        int width = -1, widthLine, labelStart, labelCount, skipCount;
        boolean[] skip;
        float[] x = new float[1024], y = new float[256];
        int xn, yn, rows;
        /** Class labels: each row's label cell as an id into the distinct cells, with the line each first appears on. */
        final java.util.Map<String, Integer> labelIds = new java.util.HashMap<>();
        final List<String> labelTexts = new ArrayList<>();
        final List<Integer> labelLines = new ArrayList<>();
        int[] rowLabel = new int[256];
        final List<Integer> droppedLines = new ArrayList<>();
        /** A first line of names over names, decided once the label column is read ({@link #decideFirstLine}). */
        String[] undecided;
        int undecidedLine;

        Parse(String name) { this.name = name; }

        Dataset run(CSVParser parser) {
            int pendingLine = 0;
            String[] pending = null;    // AUTO: a first line with a name in it, until the next line decides (isHeader)
            boolean decided = false;
            for (CSVRecord record : parser) {
                // the line the record ends on (its only line, but for a quoted cell with line breaks)
                int lineNo = (int) parser.getCurrentLineNumber();
                String[] cells = record.values();
                if (cells.length == 1 && cells[0].isEmpty()) continue;     // a line of blanks
                if (!decided) {
                    if (pending == null) {
                        if (header == Header.AUTO && !allNumeric(cells)) {
                            pending = cells;
                            pendingLine = lineNo;
                            continue;
                        }
                        decided = true;
                        if (header == Header.PRESENT) {
                            takeHeader(cells);
                            continue;
                        }
                    } else {
                        decided = true;
                        if (isHeader(pending, cells) || namesTheLabel(pending) || labels != Labels.CLASS) takeHeader(pending);
                        else {
                            // names only over names: a header ("2019,2020,species" over "5.1,3.5,setosa") or a first
                            // row with a class name ("5.1,3.5,setosa" over "4.9,3.0,setosa"); the label column decides,
                            // once all of it is read (finish)
                            undecided = pending;
                            undecidedLine = pendingLine;
                        }
                        pending = null;
                    }
                }
                data(cells, lineNo);
            }
            if (pending != null) takeHeader(pending);   // one line with a name and nothing after it: "no data rows" below
            if (undecided != null) decideFirstLine();
            if (!droppedLines.isEmpty()) {
                dropped = droppedLines.size();
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < Math.min(10, dropped); i++) lines.add(Integer.toString(droppedLines.get(i)));
                dropNote = name + ": dropped " + dropped + " of " + (rows + dropped) + " rows holding NaN or infinite values (line"
                        + (dropped == 1 ? " " : "s ") + String.join(", ", lines) + (dropped > 10 ? ", ..." : "") + ")";
                if (rows == 0)
                    throw new IllegalArgumentException(name + ": no data rows left after dropping " + dropped
                            + " rows holding NaN or infinite values");
            }
            if (rows == 0) throw new IllegalArgumentException(name + ": no data rows");
            return finish();
        }

        void data(String[] cells, int lineNo) {
            if (width < 0) start(cells.length, lineNo);
            else if (cells.length != width)
                throw error(lineNo, "ragged row: " + cells.length + " cells, expected " + width + " (as on line " + widthLine + ")");
            row(cells, lineNo);
        }

        /** Takes the line as the header; scikit-learn's form {@code n_rows,n_features,class names...} names the classes. */
        void takeHeader(String[] cells) {
            headerCells = cells;
            if (cells.length >= 3 && isWhole(cells[0]) && isWhole(cells[1])) {
                boolean restNames = true;
                for (int i = 2; i < cells.length; i++) restNames &= !isNumber(cells[i]);
                sklearnHeader = restNames;
            }
        }

        /**
         * Once the row width is known: scikit-learn's header declares the feature count, and a header of numbers
         * and names that does not (years as column names: "2019,2020,species") is an ordinary header.
         */
        void confirmSklearnHeader() {
            if (sklearnHeader) {
                String declared = headerCells[1].trim();
                sklearnHeader = declared.length() < 10 && Integer.parseInt(declared) == width - 1;
            }
            // column names must be unique: a label or feature is found by its name
            if (headerCells != null && !sklearnHeader) {
                java.util.Map<String, Integer> seen = new java.util.HashMap<>();
                for (int i = 0; i < headerCells.length; i++) {
                    Integer before = seen.putIfAbsent(headerCells[i], i);
                    if (before != null)
                        throw new IllegalArgumentException(name + ": the header names '" + headerCells[i] + "' twice (columns "
                                + (before + 1) + " and " + (i + 1) + ")");
                }
            }
        }

        /** A hint for a file read as one column: its rows are likely separated by another delimiter. */
        String oneColumnHint() {
            return " (each row of " + name + " is one cell: is it separated by ';' or tabs rather than '" + delimiter + "'?)";
        }

        /** Fixes the row width and resolves the label columns on the first data row. */
        void start(int cells, int lineNo) {
            width = cells;
            widthLine = lineNo;
            confirmSklearnHeader();
            if (headerCells != null && !sklearnHeader && headerCells.length != cells)
                throw error(lineNo, "ragged row: " + cells + " cells, but the header has " + headerCells.length);
            labelCount = labels == Labels.ONE_HOT ? oneHotColumns : labels == Labels.NONE ? 0 : 1;
            if (!skipNames.isEmpty()) {
                if (headerCells == null || sklearnHeader)
                    throw new IllegalArgumentException(name + ": columns to leave out (" + String.join(", ", skipNames)
                            + ") are named, but the file has no header naming its columns");
                skip = new boolean[cells];
                java.util.Set<String> found = new java.util.HashSet<>();
                for (int i = 0; i < cells; i++) if (skipNames.contains(headerCells[i]) && found.add(headerCells[i])) skip[i] = true;
                for (String s : skipNames)
                    if (!found.contains(s))
                        throw new IllegalArgumentException(name + ": no column named '" + s + "' to leave out (columns: "
                                + String.join(", ", headerCells) + ")");
                skipCount = found.size();
            }
            if (labels == Labels.NONE) return;
            int idx;
            if (labelName != null) idx = resolveName(labelName);
            else if (labelIndex != null) idx = labelIndex < 0 ? cells + labelIndex : labelIndex;
            else idx = cells - labelCount;
            if (idx < 0 || idx + labelCount > cells)
                throw new IllegalArgumentException(name + ": missing label column: "
                        + (labelName != null ? "'" + labelName + "'" : "index " + (labelIndex == null ? idx : labelIndex))
                        + (labelCount > 1 ? " with " + labelCount + " one-hot columns" : "")
                        + " is outside the " + cells + " columns of each row");
            if (cells - labelCount < 1)
                throw new IllegalArgumentException(name + ": no feature columns left besides the label" + (cells == 1 ? oneColumnHint() : ""));
            labelStart = idx;
        }

        int resolveName(String label) {
            if (headerCells != null && !sklearnHeader) {
                for (int i = 0; i < headerCells.length; i++) if (headerCells[i].equals(label)) return i;
            }
            try {
                return Integer.parseInt(label.trim()) < 0 ? width + Integer.parseInt(label.trim()) : Integer.parseInt(label.trim());
            } catch (NumberFormatException e) {
                if (headerCells == null || sklearnHeader)
                    throw new IllegalArgumentException(name + ": missing label column '" + label + "': the file has no header naming its columns"
                            + (width == 1 ? oneColumnHint() : ""));
                throw new IllegalArgumentException(name + ": missing label column: no column named '" + label
                        + "' (columns: " + String.join(", ", headerCells) + ")");
            }
        }

        void row(String[] cells, int lineNo) {
            int features = width - labelCount - skipCount;
            ensure(features, labels == Labels.CLASS ? 0 : labelCount);   // class labels go to rowLabel
            int xn0 = xn, yn0 = yn;
            try {
                values(cells, lineNo);
            } catch (NonFinite e) {
                if (nanPolicy == NanPolicy.REJECT) throw e.error;
                xn = xn0;
                yn = yn0;
                droppedLines.add(lineNo);
            }
        }

        void values(String[] cells, int lineNo) {
            for (int c = 0; c < width; c++) {
                if (c >= labelStart && c < labelStart + labelCount || skip != null && skip[c]) continue;
                x[xn++] = number(cells[c], c, lineNo);
            }
            switch (labels) {
                case CLASS -> {
                    // kept as text until the whole column is seen: numbers are indices, anything else names
                    String cell = cells[labelStart];
                    if (cell.isEmpty() || isNonFinite(cell)) number(cell, labelStart, lineNo);   // the usual error, or a dropped row
                    if (names == null && classes > 0 && !isNumber(cell)) number(cell, labelStart, lineNo);
                    Integer id = labelIds.get(cell);
                    if (id == null) {
                        id = labelTexts.size();
                        labelIds.put(cell, id);
                        labelTexts.add(cell);
                        labelLines.add(lineNo);
                    }
                    if (rows == rowLabel.length) rowLabel = Arrays.copyOf(rowLabel, rows * 2);
                    rowLabel[rows] = id;
                }
                case VALUE -> y[yn++] = number(cells[labelStart], labelStart, lineNo);
                case NONE -> { }
                case ONE_HOT -> {
                    int ones = 0;
                    for (int k = 0; k < labelCount; k++) {
                        float v = number(cells[labelStart + k], labelStart + k, lineNo);
                        if (v == 1f) ones++;
                        else if (v != 0f) ones = -labelCount;
                        y[yn++] = v;
                    }
                    if (ones != 1)
                        throw error(lineNo, "one-hot label in columns " + (labelStart + 1) + "-" + (labelStart + labelCount)
                                + " must hold exactly one 1 and otherwise 0");
                }
            }
            rows++;
        }

        /** Whether the line holds the name given for the label column (then it is the header that names it). */
        boolean namesTheLabel(String[] line) {
            return labelName != null && Arrays.asList(line).contains(labelName);
        }

        /**
         * The undecided first line (see run): data when its label is one of the class names the other rows hold,
         * else the header. As data it becomes the first row.
         */
        void decideFirstLine() {
            String[] first = undecided;
            undecided = null;
            if (first.length != width || !labelIds.containsKey(first[labelStart])) {
                takeHeader(first);
                confirmSklearnHeader();
                if (!sklearnHeader && first.length != width)
                    throw error(undecidedLine, "ragged row: " + width + " cells below, but the header has " + first.length);
                return;
            }
            int cols = width - labelCount;
            float[] row = new float[cols];
            try {
                for (int c = 0, j = 0; c < width; c++) if (c != labelStart) row[j++] = number(first[c], c, undecidedLine);
            } catch (NonFinite e) {
                if (nanPolicy == NanPolicy.REJECT) throw e.error;
                droppedLines.add(0, undecidedLine);
                return;
            }
            ensure(cols, 0);
            System.arraycopy(x, 0, x, cols, xn);
            System.arraycopy(row, 0, x, 0, cols);
            xn += cols;
            if (rows + 1 > rowLabel.length) rowLabel = Arrays.copyOf(rowLabel, rowLabel.length * 2);
            System.arraycopy(rowLabel, 0, rowLabel, 1, rows);
            int id = labelIds.get(first[labelStart]);
            rowLabel[0] = id;
            labelLines.set(id, undecidedLine);
            rows++;
        }

        Dataset finish() {
            if (sklearnHeader) {
                int declared = Integer.parseInt(headerCells[0].trim());
                if (declared != rows)
                    throw new IllegalArgumentException(name + ": the header says " + declared + " rows but the file has " + rows);
            }
            int cols = width - labelCount - skipCount;
            float[] features = Arrays.copyOf(x, xn);
            List<String> featureNames = new ArrayList<>();
            if (headerCells != null && !sklearnHeader)
                for (int c = 0; c < width; c++)
                    if ((c < labelStart || c >= labelStart + labelCount) && !(skip != null && skip[c])) featureNames.add(headerCells[c]);
            switch (labels) {
                case VALUE -> {
                    return new Dataset(name, features, cols, Arrays.copyOf(y, yn), 1, 0, featureNames, List.of());
                }
                case NONE -> {
                    return new Dataset(name, features, cols, new float[rows], 1, 0, featureNames, List.of());
                }
                case ONE_HOT -> {
                    // each row was checked to hold exactly one 1: kept as the index of that 1
                    int[] l = new int[rows];
                    for (int r = 0; r < rows; r++) {
                        int o = r * labelCount;
                        while (y[o + l[r]] != 1f) l[r]++;
                    }
                    return Dataset.ofLabels(name, features, cols, l, labelCount, featureNames, List.of());
                }
                default -> {
                    boolean numeric = true;
                    for (String t : labelTexts) numeric &= isNumber(t);
                    List<String> classNames = names != null ? names : numeric ? List.of() : sortedNames();
                    int[] index = new int[labelTexts.size()];
                    int maxClass = -1;
                    for (int id = 0; id < index.length; id++) {
                        index[id] = classNames.isEmpty() ? classIndex(id) : nameIndex(classNames, id);
                        maxClass = Math.max(maxClass, index[id]);
                    }
                    int k = !classNames.isEmpty() ? classNames.size() : classes > 0 ? classes : maxClass + 1;
                    int[] l = new int[rows];
                    for (int r = 0; r < rows; r++) l[r] = index[rowLabel[r]];
                    if (classNames.isEmpty() && sklearnHeader && headerCells.length - 2 == k)
                        classNames = Arrays.asList(headerCells).subList(2, headerCells.length);
                    return Dataset.ofLabels(name, features, cols, l, k, featureNames, classNames);
                }
            }
        }

        /** The distinct label names, sorted (as scikit-learn's LabelEncoder, np.unique, orders them). */
        List<String> sortedNames() {
            List<String> sorted = new ArrayList<>(labelTexts);
            java.util.Collections.sort(sorted);
            return sorted;
        }

        /** The class index a numeric label cell stands for (the distinct cells in order of first appearance). */
        int classIndex(int id) {
            String cell = labelTexts.get(id);
            int lineNo = labelLines.get(id);
            float v = Float.parseFloat(cell);
            if (v != Math.rint(v) || v < 0)
                throw error(lineNo, "label '" + cell + "' in " + column(labelStart) + " is not a class index (a whole number >= 0)");
            if (v > 1 << 24)
                throw error(lineNo, "label '" + cell + "' in " + column(labelStart) + " is too large for a class index (at most " + (1 << 24)
                        + "; for target values, train a regression model: one output under mse)");
            if (classes > 0 && v >= classes)
                throw error(lineNo, "label " + (int) v + " in " + column(labelStart) + " is not below the " + classes + " classes");
            return (int) v;
        }

        /** The class of a label cell among the names: the name's index, or a whole number below their count. */
        int nameIndex(List<String> classNames, int id) {
            String cell = labelTexts.get(id);
            int i = classNames.indexOf(cell);
            if (i >= 0) return i;
            if (isNumber(cell)) {
                float v = Float.parseFloat(cell);
                if (v == Math.rint(v) && v >= 0 && v < classNames.size()) return (int) v;
            }
            throw error(labelLines.get(id), "label '" + cell + "' in " + column(labelStart) + " is not one of the "
                    + classNames.size() + " classes " + String.join(", ", classNames.subList(0, Math.min(10, classNames.size())))
                    + (classNames.size() > 10 ? ", ..." : ""));
        }

        void ensure(int nx, int ny) {
            if (xn + nx > x.length) x = Arrays.copyOf(x, Math.max(x.length * 2, xn + nx));
            if (yn + ny > y.length) y = Arrays.copyOf(y, Math.max(y.length * 2, yn + ny));
        }

        float number(String cell, int col, int lineNo) {
            if (cell.isEmpty()) throw error(lineNo, "empty cell in " + column(col));
            if (!isNumber(cell)) {
                if (isNonFinite(cell))
                    throw new NonFinite(error(lineNo, "non-numeric cell '" + cell + "' in " + column(col) + " (" + name + ":" + lineNo
                            + ":" + (col + 1) + "): NaN and infinite values are rejected; the drop policy (--nan-policy drop, CsvReader.nanPolicy(DROP)) drops such rows"));
                throw error(lineNo, "non-numeric cell '" + cell + "' in " + column(col));
            }
            float v = Float.parseFloat(cell);
            if (!Float.isFinite(v))
                throw new NonFinite(error(lineNo, "cell '" + cell + "' in " + column(col) + " is out of float range (" + name + ":"
                        + lineNo + ":" + (col + 1) + "): infinite values are rejected; the drop policy (--nan-policy drop, CsvReader.nanPolicy(DROP)) drops such rows"));
            return v;
        }

        String column(int c) {
            String s = "column " + (c + 1);
            if (headerCells != null && !sklearnHeader && c < headerCells.length) s += " (" + headerCells[c] + ")";
            return s;
        }

        IllegalArgumentException error(int lineNo, String msg) {
            return new IllegalArgumentException(name + ":" + lineNo + ": " + msg);
        }
    }

    /** Whether every cell could be in a data row (a number, or NaN, Inf or empty: each an error, or dropped, later). */
static boolean allNumeric(String[] cells) {
        for (String c : cells) if (!(isNumber(c) || isNonFinite(c) || c.isEmpty())) return false;
        return true;
    }

    /**
     * AUTO: whether a first line with a name in it is a header, given the next line. It is when a name stands
     * over a number (or over nothing: a ragged row, reported later); when no name does, the first line is data
     * whose label column holds class names (a headerless file such as UCI's iris.data,
     * {@code 5.1,3.5,1.4,0.2,Iris-setosa}). A NaN or empty cell below a name says neither.
     */
static boolean isHeader(String[] first, String[] next) {
        for (int i = 0; i < first.length; i++)
            if (!allNumeric(new String[] {first[i]}) && (i >= next.length || isNumber(next[i]))) return true;
        return false;
    }

    /** A cell that holds a NaN or infinite value: the reader fails or drops its row, as the policy says. */
    private static final class NonFinite extends RuntimeException {
        final IllegalArgumentException error;

        NonFinite(IllegalArgumentException error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }
    }

    /** NaN or an infinity as programs write them: nan, inf, infinity, with an optional sign, any case. */
    static boolean isNonFinite(String s) {
        String t = s.toLowerCase(java.util.Locale.ROOT);
        if (t.startsWith("+") || t.startsWith("-")) t = t.substring(1);
        return t.equals("nan") || t.equals("inf") || t.equals("infinity");
    }

    /** A decimal number as CSV files write them: digits, one optional sign, point and exponent; no NaN/Inf/hex. */
    static boolean isNumber(String s) {
        int n = s.length(), i = 0;
        if (n == 0) return false;
        if (s.charAt(i) == '+' || s.charAt(i) == '-') i++;
        int digits = 0;
        while (i < n && Character.isDigit(s.charAt(i))) { i++; digits++; }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && Character.isDigit(s.charAt(i))) { i++; digits++; }
        }
        if (digits == 0) return false;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            int exp = 0;
            while (i < n && Character.isDigit(s.charAt(i))) { i++; exp++; }
            if (exp == 0) return false;
        }
        return i == n;
    }

    private static boolean isWhole(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (!Character.isDigit(s.charAt(i))) return false;
        return true;
    }
}
