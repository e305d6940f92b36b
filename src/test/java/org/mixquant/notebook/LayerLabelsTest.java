package org.mixquant.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Layer labels: shared prefix (cut at a slash) and suffix dropped; groups by number-free name. */
class LayerLabelsTest {
    @Test
    void shortLabelsDropTheSharedPrefixAtASlashAndTheSharedSuffix() {
        assertEquals(List.of("layer.0/attention/self/query", "layer.0/output/dense", "layer.1/attention/self/query"),
                LayerLabels.shortLabels(List.of("/encoder/layer.0/attention/self/query/MatMul",
                        "/encoder/layer.0/output/dense/MatMul", "/encoder/layer.1/attention/self/query/MatMul")));
        // The shared prefix "stage1.block" is cut back to the last slash (none: nothing is cut); the shared suffix
        // ".conv1" is dropped whole.
        assertEquals(List.of("stage1.block0", "stage1.block1"),
                LayerLabels.shortLabels(List.of("stage1.block0.conv1", "stage1.block1.conv1")));
    }

    @Test
    void aNameThatWouldBecomeEmptyStaysWholeAndOneNameIsUnchanged() {
        // Shared prefix "/a/" and suffix "/x": the first name would be left with nothing and stays whole.
        assertEquals(List.of("/a/x", "y"), LayerLabels.shortLabels(List.of("/a/x", "/a/y/x")));
        assertEquals(List.of("/only/one/MatMul"), LayerLabels.shortLabels(List.of("/only/one/MatMul")));
    }

    @Test
    void groupsReplaceEveryNumberAndTakeThePaletteInOrder() {
        assertEquals("/encoder/layer.#/attention/self/query/MatMul",
                LayerLabels.groupOf("/encoder/layer.12/attention/self/query/MatMul"));
        var colours = LayerLabels.groupColours(List.of("b0.conv", "b1.conv", "b0.fc", "b2.conv"));
        assertEquals(List.of("b#.conv", "b#.fc"), List.copyOf(colours.keySet()));
        assertEquals(ChartStyle.PALETTE[0], colours.get("b#.conv"));
        assertEquals(ChartStyle.PALETTE[1], colours.get("b#.fc"));
    }
}
