package dev.kiln.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.StringReader;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    static Path fixture(String name) {
        try {
            return Path.of(CsvReaderTest.class.getResource("/data/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource data/" + name + " is missing", e);
        }
    }

    @Test
    void readsAHeaderAndALabelColumnByName() {
        Dataset d = new CsvReader().labelColumn("species").read(fixture("header.csv"));
        assertEquals(4, d.rows());
        assertEquals(2, d.cols());
        assertEquals(3, d.classes());
        assertEquals(List.of("sepal_length", "sepal_width"), d.featureNames());
        assertArrayEquals(new float[] {5.1f, 3.5f, 4.9f, 3.0f, 6.3f, 2.9f, 5.8f, 2.7f}, d.features());
        assertArrayEquals(new int[] {0, 0, 2, 1}, d.labels());
        assertArrayEquals(new float[] {1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0}, d.targets());
    }

    @Test
    void labelColumnByIndexPutsTheRestInFeatures() {
        Dataset d = new CsvReader().labelColumn(0).classes(7).read("t", new StringReader("3,1.5,2\n6,0.5,1\n"));
        assertEquals(7, d.classes());
        assertArrayEquals(new int[] {3, 6}, d.labels());
        assertArrayEquals(new float[] {1.5f, 2f, 0.5f, 1f}, d.features());
        Dataset last = new CsvReader().labelColumn("-1").read("t", new StringReader("3,1.5,2\n6,0.5,1\n"));
        assertArrayEquals(new int[] {2, 1}, last.labels());
    }

    @Test
    void digitsAndIrisShipInTheJar() {
        Dataset digits = Datasets.digits();
        assertEquals(1797, digits.rows());
        assertEquals(64, digits.cols());
        assertEquals(10, digits.classes());
        assertEquals(0, digits.labels()[0]);        // the first row of digits.csv ends in 0
        assertEquals(5f, digits.features()[2]);     // and starts 0,0,5,13,...
        Dataset iris = Datasets.iris();
        assertEquals(150, iris.rows());
        assertEquals(4, iris.cols());
        assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classNames());
        assertEquals(List.of(), iris.featureNames());
        assertEquals(5.1f, iris.features()[0]);
    }

    @Test
    void scikitLearnHeaderNamesClassesAndChecksTheRowCount() {
        Dataset d = new CsvReader().read(fixture("sklearn_header.csv"));
        assertEquals(List.of("red", "blue"), d.classNames());
        assertArrayEquals(new int[] {0, 1}, d.labels());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CsvReader().read("short.csv", new StringReader("3,1,red,blue\n0.5,0\n0.25,1\n")));
        assertEquals("short.csv: the header says 3 rows but the file has 2", e.getMessage());
    }

    @Test
    void classNamesInTheLabelColumnAreSortedAsScikitLearnsLabelEncoder() {
        Dataset d = new CsvReader().read("pets.csv", new StringReader("a,b,species\n1,2,cat\n2,3,dog\n3,1,cat\n4,4,bird\n"));
        assertEquals(List.of("bird", "cat", "dog"), d.classNames());
        assertEquals(3, d.classes());
        assertArrayEquals(new int[] {1, 2, 1, 0}, d.integerLabels());
        assertEquals(List.of("a", "b"), d.featureNames());
        assertArrayEquals(new float[] {1, 2, 2, 3, 3, 1, 4, 4}, d.features());
        // a name among numbers makes the whole column names ("2" sorts before "cat")
        assertEquals(List.of("2", "cat"), new CsvReader().read("m.csv", new StringReader("x,y\n1,cat\n2,2\n")).classNames());
    }

    @Test
    void aHeaderlessFileWithClassNamesKeepsItsFirstRow() {
        // UCI's iris.data: no header, names in the label column; the names on line 1 sit where line 2 has names too
        Dataset d = new CsvReader().read("iris.data", new StringReader("5.1,3.5,Iris-setosa\n4.9,3.0,Iris-virginica\n4.7,3.2,Iris-setosa\n"));
        assertEquals(3, d.rows());
        assertEquals(List.of("Iris-setosa", "Iris-virginica"), d.classNames());
        assertArrayEquals(new int[] {0, 1, 0}, d.integerLabels());
        assertEquals(List.of(), d.featureNames());
        // a header line still is one: "x" names a column that holds numbers below it
        assertEquals(2, new CsvReader().read("h.csv", new StringReader("x,species\n1,cat\n2,dog\n")).rows());
        // names only over names: the label column decides. "species" is no class of the rows below, so it is the
        // header (of years); "setosa" is, so that first line is a row
        Dataset years = new CsvReader().read("y.csv", new StringReader("2019,2020,species\n5.1,3.5,setosa\n4.9,3.0,virginica\n"));
        assertEquals(2, years.rows());
        assertEquals(List.of("2019", "2020"), years.featureNames());
        assertEquals(List.of("setosa", "virginica"), years.classNames());
        Dataset rows = new CsvReader().read("r.csv", new StringReader("5.1,3.5,setosa\n4.9,3.0,virginica\n4.7,3.2,setosa\n"));
        assertArrayEquals(new float[] {5.1f, 3.5f, 4.9f, 3.0f, 4.7f, 3.2f}, rows.features());
        assertArrayEquals(new int[] {0, 1, 0}, rows.integerLabels());
        assertEquals(List.of("2019", "2020"), new CsvReader().labelColumn("species")
                .read("y.csv", new StringReader("2019,2020,species\n5.1,3.5,setosa\n")).featureNames(), "a label named by the line");
        // the limit of the rule: a class that only the first line holds makes that line the header
        assertEquals(2, new CsvReader().read("o.csv", new StringReader("5.1,3.5,setosa\n4.9,3.0,virginica\n4.7,3.2,versicolor\n")).rows());
        assertMessage("one.csv: no data rows", () -> new CsvReader().read("one.csv", new StringReader("1,cat\n")));
    }

    @Test
    void aTestFileIsReadWithItsTrainingClasses() {
        List<String> training = List.of("bird", "cat", "dog");
        // names map to the training's indices even when a class is missing; a whole number is that index
        Dataset t = new CsvReader().classNames(training).read("t.csv", new StringReader("a,species\n1,dog\n2,2\n3,bird\n"));
        assertArrayEquals(new int[] {2, 2, 0}, t.integerLabels());
        assertEquals(training, t.classNames());
        assertEquals(3, t.classes());
        assertMessage("t.csv:3: label 'cow' in column 2 (species) is not one of the 3 classes bird, cat, dog",
                () -> new CsvReader().classNames(training).read("t.csv", new StringReader("a,species\n1,dog\n2,cow\n")));
        assertMessage("t.csv:2: label '3' in column 2 (species) is not one of the 3 classes",
                () -> new CsvReader().classNames(training).read("t.csv", new StringReader("a,species\n1,3\n")));
        // training data with numeric classes: a test file's names are an error, as before
        assertMessage("t.csv:3: non-numeric cell 'cow' in column 2 (species)",
                () -> new CsvReader().classes(3).read("t.csv", new StringReader("a,species\n1,1\n2,cow\n")));
    }

    @Test
    void quotedCellsFollowRfc4180() {
        // a class name holding the delimiter, a doubled quote, a line break; blank lines in between
        Dataset d = new CsvReader().read("q.csv", new StringReader(
                "a,\"b, in cm\",kind\n1,\"2.5\",\"setosa, var. 1\"\n\n   \n3,4,\"the \"\"big\"\" one\"\n5,6,\"two\nlines\"\n"));
        assertEquals(3, d.rows());
        assertEquals(List.of("a", "b, in cm"), d.featureNames());
        assertArrayEquals(new float[] {1, 2.5f, 3, 4, 5, 6}, d.features());
        assertEquals(List.of("setosa, var. 1", "the \"big\" one", "two\nlines"), d.classNames());
        assertArrayEquals(new int[] {0, 1, 2}, d.integerLabels());
        // line numbers count the blank lines; a broken quote names its line
        assertMessage("q.csv:4: non-numeric cell 'x' in column 1", () -> new CsvReader().read("q.csv", new StringReader("1,0\n\n2,1\nx,0\n")));
        assertMessage("q.csv: Invalid character between encapsulated token and delimiter at line: 2",
                () -> new CsvReader().read("q.csv", new StringReader("1,0\n2,\"1\"x\n")));
    }

    @Test
    void featuresOnlyAndTheColumnCount(@TempDir Path tmp) throws Exception {
        Dataset d = new CsvReader().featuresOnly().read("f.csv", new StringReader("a,b\n1,2\n3,\"4\"\n"));
        assertEquals(2, d.cols());
        assertArrayEquals(new float[] {1, 2, 3, 4}, d.features());
        assertEquals(List.of("a", "b"), d.featureNames());
        assertFalse(d.isClassification());
        assertMessage("f.csv:3: non-numeric cell 'x' in column 2 (b)",
                () -> new CsvReader().featuresOnly().read("f.csv", new StringReader("a,b\n1,2\n3,x\n")));
        // columns() reads the first data row only, after a header decided as read() decides it
        Path f = tmp.resolve("c.csv");
        java.nio.file.Files.writeString(f, "\nx,y,species\n1,2,cat\n3,4\n");
        assertEquals(3, new CsvReader().columns(f), "the ragged third line is not read");
        java.nio.file.Files.writeString(f, "5.1,3.5,Iris-setosa\n4.9,3.0,Iris-virginica\n");
        assertEquals(3, new CsvReader().columns(f));
        java.nio.file.Files.writeString(f, "150,4,setosa,versicolor,virginica,extra\n5.1,3.5,1.4,0.2,0\n");
        assertEquals(5, new CsvReader().columns(f), "scikit-learn's header is not a row");
        java.nio.file.Files.writeString(f, "a,b\n");
        assertEquals(-1, new CsvReader().columns(f), "a lone line with a name is a header, as read() takes it");
        java.nio.file.Files.writeString(f, "\n\n");
        assertEquals(-1, new CsvReader().columns(f));
        assertMessage("no such file", () -> new CsvReader().columns(tmp.resolve("nope.csv")));
    }

    @Test
    void aByteOrderMarkAndWindowsLineEndingsAreRead(@TempDir Path tmp) throws Exception {
        // Excel's "CSV UTF-8": a BOM before the header, \r\n line ends
        Path f = tmp.resolve("excel.csv");
        java.nio.file.Files.writeString(f, "\uFEFFx,y,label\r\n1,2,0\r\n3,4,1\r\n");
        Dataset d = new CsvReader().labelColumn("x").classes(4).read(f);
        assertEquals(List.of("y", "label"), d.featureNames());
        assertArrayEquals(new int[] {1, 3}, d.integerLabels());
        assertEquals(3, new CsvReader().columns(f));
    }

    @Test
    void aNanLabelIsStillANonFiniteValue() {
        assertMessage("x.csv:3: non-numeric cell 'nan' in column 2",
                () -> new CsvReader().read("x.csv", new StringReader("1,cat\n2,dog\n3,nan\n")));
        CsvReader r = new CsvReader().nanPolicy(NanPolicy.DROP);
        Dataset d = r.read("x.csv", new StringReader("1,cat\n2,NaN\n3,dog\n4,cat\n"));
        assertEquals(3, d.rows());
        assertArrayEquals(new float[] {1, 3, 4}, d.features());
        assertArrayEquals(new int[] {0, 1, 0}, d.integerLabels());
        assertEquals(1, r.droppedRows());
        assertEquals("x.csv: dropped 1 of 4 rows holding NaN or infinite values (line 2)", r.dropNote());
    }

    @Test
    void oneHotAndValueLabels() {
        Dataset oh = new CsvReader().oneHotLabels(3).read(fixture("onehot.csv"));
        assertEquals(2, oh.cols());
        assertArrayEquals(new int[] {1, 0, 2}, oh.labels());
        // held as one int per row, the one-hot rows rebuilt on demand
        assertArrayEquals(new int[] {1, 0, 2}, oh.integerLabels());
        assertArrayEquals(new float[] {0, 1, 0, 1, 0, 0, 0, 0, 1}, oh.targets());
        assertArrayEquals(new float[] {0.5f, 1.5f, -1f, 0.2f, 3f, 4f}, oh.features());
        Dataset v = new CsvReader().valueLabels().read(fixture("values.csv"));
        assertEquals(0, v.classes());
        assertArrayEquals(new float[] {0.5f, -1.25f}, v.targets());
        assertMessage("onehot.csv:1: one-hot label in columns 3-5 must hold exactly one 1",
                () -> new CsvReader().oneHotLabels(3).read("onehot.csv", new StringReader("1,2,0,1,1\n")));
    }

    @Test
    void errorsNameTheFileAndLine() {
        Path ragged = fixture("ragged.csv");
        assertMessage(ragged + ":4: ragged row: 4 cells, expected 3 (as on line 1)", () -> new CsvReader().read(ragged));
        Path bad = fixture("non_numeric.csv");
        assertMessage(bad + ":4: non-numeric cell 'abc' in column 2 (b)", () -> new CsvReader().read(bad));
        Path header = fixture("header.csv");
        assertMessage(header + ": missing label column: no column named 'label' (columns: sepal_length, sepal_width, species)",
                () -> new CsvReader().labelColumn("label").read(header));
        assertMessage(header + ": missing label column: index 9 is outside the 3 columns of each row",
                () -> new CsvReader().labelColumn(9).read(header));
        assertMessage(fixture("empty.csv") + ": no data rows", () -> new CsvReader().read(fixture("empty.csv")));
        assertMessage("x.csv:2: label '1.5' in column 2 is not a class index", () -> new CsvReader().read("x.csv", new StringReader("1,0\n2,1.5\n")));
        assertMessage("x.csv:1: label 3 in column 2 is not below the 3 classes",
                () -> new CsvReader().classes(3).read("x.csv", new StringReader("1,3\n")));
        assertMessage("x.csv:2: non-numeric cell 'NaN' in column 1", () -> new CsvReader().read("x.csv", new StringReader("1,0\nNaN,0\n")));
        assertMessage("x.csv:2: empty cell in column 1", () -> new CsvReader().read("x.csv", new StringReader("1,0\n,1\n")));
        assertMessage("missing label column 'y': the file has no header", () -> new CsvReader().labelColumn("y").read("x.csv", new StringReader("1,0\n")));
        assertMessage("nope.csv: no such file", () -> new CsvReader().read(Path.of("nope.csv")));
    }

    @Test
    void numberSyntaxIsStrict() {
        for (String ok : List.of("0", "-1", "+2.5", ".5", "5.", "1e3", "1.5E-2")) assertTrue(CsvReader.isNumber(ok), ok);
        for (String no : List.of("", "-", ".", "e3", "1e", "1f", "0x10", "NaN", "Infinity", "1,2", "1 2")) assertFalse(CsvReader.isNumber(no), no);
    }

    @Test
    void standardizerUsesTrainingStatisticsOnly() {
        Dataset train = Dataset.ofValues("train", new float[][] {{1, 10}, {3, 10}}, new float[][] {{0}, {1}});
        Dataset test = Dataset.ofValues("test", new float[][] {{5, 12}}, new float[][] {{0}});
        Standardizer s = Standardizer.fit(train);
        assertArrayEquals(new double[] {2, 10}, s.mean());
        assertArrayEquals(new double[] {1, 1}, s.std());      // column 2 is constant: std 1, centred only
        assertArrayEquals(new float[] {-1, 0, 1, 0}, s.apply(train).features());
        assertArrayEquals(new float[] {3, 2}, s.apply(test).features());
    }

    @Test
    void validationSplitTakesTheLastRowsInFileOrder() {
        Dataset d = Dataset.ofClasses("d", new float[][] {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}},
                new int[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 2);
        // Keras counts the training rows, floor(10 * 0.75) = 7, and validates on the other 3
        Dataset.Split s = d.splitLast(0.25);
        assertEquals(7, s.train().rows());
        assertArrayEquals(new float[] {7, 8, 9}, s.test().features());
        assertMessage("validation split must be in (0, 1)", () -> d.splitLast(1.0));
        assertMessage("d: validation split 1.0E-17 of 10 rows leaves no validation rows", () -> d.splitLast(1e-17));
        Dataset one = d.slice(0, 1);
        assertMessage("validation split 0.5 of 1 rows leaves no training rows", () -> one.splitLast(0.5));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' lacks '" + part + "'");
    }

    /** Columns named to leave out are not read at all: text ids beside the features of rows to predict. */
    @Test
    void skippedColumnsAreNotRead() {
        Dataset d = new CsvReader().featuresOnly().skipColumns(List.of("id", "label"))
                .read("p.csv", new StringReader("id,a,label,b\nrow0,1,setosa,2\nrow1,3,virginica,4\n"));
        assertEquals(List.of("a", "b"), d.featureNames());
        assertArrayEquals(new float[] {1, 2, 3, 4}, d.features());
        Dataset labelled = new CsvReader().labelColumn("label").skipColumns(List.of("id"))
                .read("l.csv", new StringReader("id,a,label,b\nx,1,0,2\ny,3,1,4\n"));
        assertEquals(List.of("a", "b"), labelled.featureNames());
        assertArrayEquals(new int[] {0, 1}, labelled.integerLabels());
        assertEquals("n.csv: no column named 'idx' to leave out (columns: id, a)", assertThrows(IllegalArgumentException.class,
                () -> new CsvReader().featuresOnly().skipColumns(List.of("idx")).read("n.csv", new StringReader("id,a\nx,1\n"))).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new CsvReader().featuresOnly().header(CsvReader.Header.ABSENT).skipColumns(List.of("id")).read("h.csv", new StringReader("1,2\n")));
    }

    /** A ';'-separated file asked for its label by name got only "no header naming its columns". */
    @Test
    void aLabelByNameInASemicolonFileGetsTheDelimiterHint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CsvReader().labelColumn("label").read("s.csv", new StringReader("1;2;0\n3;4;1\n")));
        assertTrue(e.getMessage().contains("is it separated by ';' or tabs rather than ','?"), e.getMessage());
    }
}
