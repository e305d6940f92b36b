package org.mixquant.notebook.rapaio;

import java.awt.image.BufferedImage;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Chart;
import org.mixquant.notebook.Charts;
import org.mixquant.notebook.Tables;
import org.rapaio.jupyter.kernel.display.DisplayData;
import org.rapaio.jupyter.kernel.display.DisplayRenderer;
import org.rapaio.jupyter.kernel.display.DisplayTransformer;
import org.rapaio.jupyter.kernel.display.spi.DisplayProvider;
import tech.tablesaw.api.Table;

/**
 * Tells the rapaio kernel how to show the toolkit's results: an XChart chart becomes a {@link BufferedImage}
 * (which the kernel shows as PNG), a Tablesaw {@link Table} becomes the HTML of {@link Tables#html}.
 */
public final class MixQuantDisplayProvider implements DisplayProvider {
    /** Instantiated by {@link java.util.ServiceLoader}. */
    public MixQuantDisplayProvider() {
    }

    @Override
    public List<DisplayRenderer> getDisplayRenderers() {
        return List.of(new TableRenderer());
    }

    @Override
    public List<DisplayTransformer> getDisplayTransformers() {
        return List.of(new ChartTransformer());
    }

    /** Chart → image. */
    static final class ChartTransformer implements DisplayTransformer {
        @Override
        public boolean canTransform(Object o) {
            return o instanceof Chart<?, ?>;
        }

        @Override
        public Class<?> transformedClass() {
            return BufferedImage.class;
        }

        @Override
        public Object transform(Object o) {
            return Charts.toImage((Chart<?, ?>) o);
        }
    }

    /** Tablesaw table → HTML. */
    static final class TableRenderer implements DisplayRenderer {
        @Override
        public Class<?> rendererClass() {
            return Table.class;
        }

        @Override
        public boolean canRender(String mime) {
            return mime == null || mime.toLowerCase(java.util.Locale.ROOT).contains("html");
        }

        @Override
        public DisplayData render(String mime, Object o) {
            return DisplayData.fromHtml(Tables.html((Table) o));
        }
    }
}
