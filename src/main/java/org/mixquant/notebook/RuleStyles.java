package org.mixquant.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.LinkedHashMap;
import java.util.Map;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Colour and marker per rule — fixed for the toolkit's rules ({@code uniform} dark grey squares, {@code qem}
 * vermilion diamonds, {@code avg-bits} blue circles, {@code max-rel-error} green triangles), so every chart colours a
 * rule the same way; other rules take the next palette colours — and line style per method (solid, dashed, dotted in
 * order of first appearance). One instance per chart.
 */
final class RuleStyles {
    /** Colour of the {@code uniform} rule. */
    static final Color UNIFORM = new Color(0x444444);

    private final Map<String, Color> colours = new LinkedHashMap<>();
    private final Map<String, Marker> markers = new LinkedHashMap<>();
    private final Map<String, BasicStroke> lines = new LinkedHashMap<>();
    private int extra;

    RuleStyles() {
        colours.put("uniform", UNIFORM);
        colours.put("qem", ChartStyle.PALETTE[1]);
        colours.put("avg-bits", ChartStyle.PALETTE[0]);
        colours.put("max-rel-error", ChartStyle.PALETTE[2]);
        markers.put("uniform", SeriesMarkers.SQUARE);
        markers.put("qem", SeriesMarkers.DIAMOND);
        markers.put("avg-bits", SeriesMarkers.CIRCLE);
        markers.put("max-rel-error", SeriesMarkers.TRIANGLE_UP);
    }

    Color colour(String rule) {
        return colours.computeIfAbsent(rule, r -> ChartStyle.PALETTE[3 + (extra++ % (ChartStyle.PALETTE.length - 3))]);
    }

    Marker marker(String rule) {
        return markers.computeIfAbsent(rule, r -> ChartStyle.MARKERS[markers.size() % ChartStyle.MARKERS.length]);
    }

    BasicStroke line(String method) {
        return lines.computeIfAbsent(method, m -> switch (lines.size() % 3) {
            case 0 -> new BasicStroke(2f);
            case 1 -> new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {9f, 5f}, 0f);
            default -> new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, new float[] {1f, 5f},
                    0f);
        });
    }
}
