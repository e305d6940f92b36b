package org.mixquant.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.List;

/**
 * An open ONNX Runtime session of an {@link OnnxModel}, owning the tensors of its replaced weights. Close it when
 * done.
 */
public final class OnnxRunner implements AutoCloseable {
    private final OrtSession session;
    private final OrtSession.SessionOptions options;
    private final List<OnnxTensor> overrideTensors;

    OnnxRunner(OrtSession session, OrtSession.SessionOptions options, List<OnnxTensor> overrideTensors) {
        this.session = session;
        this.options = options;
        this.overrideTensors = overrideTensors;
    }

    /** The underlying session (owned by this runner; do not close it directly). */
    public OrtSession session() {
        return session;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("could not close the ONNX Runtime session", e);
        } finally {
            overrideTensors.forEach(OnnxTensor::close);
            options.close();
        }
    }
}
