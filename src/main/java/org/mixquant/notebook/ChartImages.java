package org.mixquant.notebook;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.mixquant.io.OutputFiles;

/** Turns charts into images: in memory for notebook display, or as PNG files. */
public final class ChartImages {
    private ChartImages() {
    }

    /** Renders a chart to an image of the chart's width × height in pixels (for notebook display). */
    public static BufferedImage toImage(Chart<?, ?> chart) {
        return BitmapEncoder.getBufferedImage(chart);
    }

    /**
     * Writes a chart as PNG to {@code file} with {@link OutputFiles#write} (atomically, parent folders created; a
     * folder at {@code file} is refused, not replaced). Errors name the file.
     */
    public static void savePng(Chart<?, ?> chart, Path file) throws IOException {
        BufferedImage image = toImage(chart);
        OutputFiles.write(file, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }
}
