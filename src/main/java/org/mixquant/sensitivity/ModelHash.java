package org.mixquant.sensitivity;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.mixquant.model.Layer;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.QuantizableModel;
import org.mixquant.model.cnn.CnnModel;
import org.mixquant.tensor.WeightTensor;

/** SHA-256 of exactly what a model runs, for cache keys. */
final class ModelHash {
    private ModelHash() {
    }

    /**
     * ONNX: {@link OnnxModel#fingerprint()} (file bytes and replaced weights). CNN: every folded tensor's name and
     * values. Others: the source and every quantizable layer's name and values.
     */
    static String of(QuantizableModel m) {
        if (m instanceof OnnxModel onnx) {
            return onnx.fingerprint();
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            if (m instanceof CnnModel cnn) {
                md.update(cnn.arch().cliName().getBytes(StandardCharsets.UTF_8));
                for (Map.Entry<String, WeightTensor> e : cnn.folded().tensors().entrySet()) {
                    update(md, e.getKey(), e.getValue());
                }
            } else {
                md.update(m.source().getBytes(StandardCharsets.UTF_8));
                for (Layer l : m.layers()) {
                    update(md, l.name(), l.weight());
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest md, String name, WeightTensor w) {
        md.update(name.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        ByteBuffer b = ByteBuffer.allocate(w.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(w.unsafeData());
        md.update(b);
    }
}
