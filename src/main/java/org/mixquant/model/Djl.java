package org.mixquant.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The DJL PyTorch engine, set up to run fully offline.
 *
 * <p>DJL finds libtorch in the {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64} jar and the JNI glue in
 * {@code ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0}, extracts both once into its cache directory
 * ({@code $DJL_CACHE_DIR}, default {@code ~/.djl.ai}) and never downloads anything when they are on the classpath.
 * Before the engine is first touched this class also sets the system properties {@code ai.djl.offline=true} and
 * {@code OPT_OUT_TRACKING=true} (DJL reads each from the environment variable {@code DJL_OFFLINE} /
 * {@code OPT_OUT_TRACKING} or the system property), so the toolkit is offline even when the launcher did not set
 * the environment.
 */
public final class Djl {
    /** Name of DJL's PyTorch engine. */
    public static final String ENGINE = "PyTorch";

    private static volatile Engine engine;
    private static int threads = -1;

    private Djl() {
    }

    /** The PyTorch engine (loaded once, offline). */
    public static Engine engine() {
        Engine e = engine;
        if (e == null) {
            synchronized (Djl.class) {
                if (engine == null) {
                    setIfAbsent("ai.djl.offline", "DJL_OFFLINE", "true");
                    setIfAbsent("OPT_OUT_TRACKING", "OPT_OUT_TRACKING", "true");
                    setIfAbsent("ai.djl.pytorch.num_interop_threads", null, "1");
                    try {
                        engine = Engine.getEngine(ENGINE);
                    } catch (RuntimeException | UnsatisfiedLinkError err) {
                        throw new IllegalStateException("cannot start DJL's PyTorch engine offline (" + err
                                + "): ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64 and"
                                + " ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0 must be on the classpath", err);
                    }
                }
                e = engine;
            }
        }
        return e;
    }

    /**
     * Sets libtorch's intra-op thread count (a process-wide setting). Cheap when unchanged.
     *
     * @param n threads, ≥ 1
     */
    public static synchronized void threads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + n);
        }
        engine();
        if (threads != n) {
            JniUtils.setNumThreads(n);
            threads = n;
        }
    }

    private static void setIfAbsent(String property, String env, String value) {
        if (System.getProperty(property) == null && (env == null || System.getenv(env) == null)) {
            System.setProperty(property, value);
        }
    }
}
