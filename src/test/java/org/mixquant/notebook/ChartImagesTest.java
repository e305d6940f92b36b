package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

/** Chart images: rendered headless at the chart's size, written as PNG without replacing a folder. */
class ChartImagesTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
        assertTrue(GraphicsEnvironment.isHeadless(), "charts must render without a display");
    }

    @Test
    void savePngWritesThePixelsToImageRenders() throws IOException {
        XYChart c = ErrorCharts.errorCurves(ErrorChartsTest.blocks());
        BufferedImage shown = ChartImages.toImage(c);
        assertEquals(ChartStyle.WIDTH, shown.getWidth());
        assertEquals(ChartStyle.HEIGHT, shown.getHeight());
        Path file = tmp.resolve("sub/ratio.png");
        ChartImages.savePng(c, file);
        BufferedImage saved = ImageIO.read(file.toFile());
        assertEquals(shown.getWidth(), saved.getWidth());
        assertEquals(shown.getHeight(), saved.getHeight());
        long differing = 0;
        for (int y = 0; y < saved.getHeight(); y++) {
            for (int x = 0; x < saved.getWidth(); x++) {
                if ((saved.getRGB(x, y) & 0xFFFFFF) != (shown.getRGB(x, y) & 0xFFFFFF)) {
                    differing++;
                }
            }
        }
        assertEquals(0, differing, "PNG is lossless: the file holds the rendered pixels");
        // Black text, and the first group's blue line (block0/conv, the lowest curve, hidden by no other).
        assertTrue(ChartsTest.pixelsOf(saved, java.awt.Color.BLACK) > 500, "black titles and tick labels");
        assertTrue(ChartsTest.pixelsOf(saved, ChartStyle.PALETTE[0]) > 100, "first layer group's line");
    }

    @Test
    void savePngRefusesAFolderAndNamesIt() throws IOException {
        Path folder = Files.createDirectories(tmp.resolve("a-folder.png"));
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        PrintStream old = System.err;
        IOException e;
        System.setErr(new PrintStream(stderr, true));
        try {
            e = assertThrows(IOException.class, () -> ChartImages.savePng(ErrorCharts.ratioCurves(ChartsTest.small()),
                    folder));
        } finally {
            System.setErr(old);
        }
        assertTrue(e.getMessage().contains(folder.toString()), e.getMessage());
        assertTrue(Files.isDirectory(folder), "the folder is left alone");
        assertEquals("", stderr.toString(), "no stack trace printed");
    }
}
