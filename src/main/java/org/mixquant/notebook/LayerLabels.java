package org.mixquant.notebook;

import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How charts name and colour layers: short labels for axes, groups of like layers for colours. */
public final class LayerLabels {
    private LayerLabels() {
    }

    /**
     * The group of a layer: its name with every number replaced by {@code #}, so the same sublayer of every block
     * shares a colour (e.g. {@code /encoder/layer.#/attention/self/query/MatMul}).
     */
    public static String groupOf(String layer) {
        return layer.replaceAll("\\d+", "#");
    }

    /**
     * Shortens layer names by dropping the prefix (cut back to a {@code /}) and the suffix all of them share; a
     * name that would become empty is kept whole. Fewer than two names are returned unchanged.
     */
    public static List<String> shortLabels(List<String> layers) {
        if (layers.size() < 2) {
            return List.copyOf(layers);
        }
        String first = layers.get(0);
        int pre = first.length();
        int suf = first.length();
        for (String l : layers) {
            pre = Math.min(pre, commonPrefix(first, l));
            suf = Math.min(suf, commonSuffix(first, l));
        }
        // Cut at a separator so labels stay readable.
        int cut = Math.max(first.lastIndexOf('/', pre - 1) + 1, 0);
        List<String> out = new ArrayList<>();
        for (String l : layers) {
            int end = Math.max(cut, l.length() - suf);
            String s = l.substring(Math.min(cut, end), end);
            out.add(s.isEmpty() ? l : s);
        }
        return out;
    }

    /** A palette colour per layer group ({@link #groupOf}), in order of the groups' first appearance. */
    static Map<String, Color> groupColours(List<String> layers) {
        Map<String, Color> m = new LinkedHashMap<>();
        for (String l : layers) {
            m.computeIfAbsent(groupOf(l), g -> ChartStyle.PALETTE[m.size() % ChartStyle.PALETTE.length]);
        }
        return m;
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static int commonSuffix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(a.length() - 1 - i) == b.charAt(b.length() - 1 - i)) {
            i++;
        }
        return i;
    }
}
