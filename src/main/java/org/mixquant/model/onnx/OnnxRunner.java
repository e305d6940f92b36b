package org.mixquant.model.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.List;
import org.mixquant.model.onnx.OnnxModel;

/**
 * An open ONNX Runtime session of an {@link OnnxModel}, owning the tensors of its replaced weights. Close it when
 * done (closing twice is harmless). Open runners are recorded in {@link NativeSessions}, whose shutdown hook closes
 * those still open when the JVM exits.
 */
public final class OnnxRunner implements AutoCloseable {
    private final OrtSession session;
    private final OrtSession.SessionOptions options;
    private final List<OnnxTensor> overrideTensors;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    OnnxRunner(OrtSession session, OrtSession.SessionOptions options, List<OnnxTensor> overrideTensors) {
        this.session = session;
        this.options = options;
        this.overrideTensors = overrideTensors;
        NativeSessions.GLOBAL.opened(this);
    }

    /** The underlying session (owned by this runner; do not close it directly). */
    public OrtSession session() {
        return session;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        NativeSessions.GLOBAL.closed(this);
        try {
            NativeSessions.GLOBAL.call(() -> {
                try {
                    session.close();
                } finally {
                    overrideTensors.forEach(OnnxTensor::close);
                    options.close();
                }
                return null;
            });
        } catch (OrtException e) {
            throw new IllegalStateException("could not close the ONNX Runtime session", e);
        }
    }
}
