package org.mixquant.model.onnx;

import ai.onnxruntime.OrtException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Open ONNX Runtime sessions and the native calls in progress on them, so that exiting (Ctrl-C, SIGTERM,
 * {@code System.exit}) never tears ONNX Runtime down under a thread that is inside it. ONNX Runtime's Java binding
 * releases its native environment in its own JVM shutdown hook, which runs concurrently with the other hooks, so a
 * Ctrl-C while a thread was in {@code createSession} crashed the JVM (SIGSEGV, exit 134, an {@code hs_err_pid*.log}
 * in the working folder).
 *
 * <p>Every native call ({@link #call}: session creation, {@code run}, close) holds a shared lock. {@link #shutdown}
 * takes the exclusive lock, waiting at most {@link #SHUTDOWN_WAIT_MS} for calls in progress to return, closes every
 * session still open, and keeps the lock, so no native call starts afterwards (the calling threads wait until the
 * JVM halts). If a call does not return in time the sessions are left open rather than freed under it. The command
 * line runs {@link #closeAllBeforeExit} from its signal handler <em>before</em> starting the JVM's shutdown (and
 * therefore before ONNX Runtime's hook); a shutdown hook of this class does the same for other ways of exiting.
 */
public final class NativeSessions {
    /** The sessions of this process; its shutdown hook is installed with the first session. */
    static final NativeSessions GLOBAL = new NativeSessions();

    /** Longest the shutdown waits for native calls in progress, in milliseconds. */
    public static final long SHUTDOWN_WAIT_MS = 10_000;

    /** A call into ONNX Runtime. */
    @FunctionalInterface
    interface NativeCall<T> {
        T call() throws OrtException;
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean hook = new AtomicBoolean();
    private final AtomicBoolean shutDown = new AtomicBoolean();

    NativeSessions() {
    }

    /**
     * Waits at most {@code waitMs} milliseconds for ONNX Runtime calls in progress to return, closes every open
     * session and lets no further ONNX Runtime call start in this process. Call it just before exiting the JVM (e.g.
     * from a signal handler), never while work should go on; calling it again returns at once.
     *
     * @return {@code true} when the sessions were closed, {@code false} when a call did not return in time
     */
    public static boolean closeAllBeforeExit(long waitMs) {
        return GLOBAL.shutdown(waitMs);
    }

    /** Runs {@code c} as a native section: shutdown waits for it to return before closing sessions. */
    <T> T call(NativeCall<T> c) throws OrtException {
        installHook();
        lock.readLock().lock();
        try {
            return c.call();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Records an open session (closed by {@link #shutdown} unless {@link #closed} first). */
    void opened(AutoCloseable session) {
        installHook();
        open.add(session);
    }

    /** Installs the shutdown hook of {@link #GLOBAL} before its first native call or session. */
    private void installHook() {
        if (this == GLOBAL && hook.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(SHUTDOWN_WAIT_MS),
                        "mixquant-onnx-shutdown"));
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting
            }
        }
    }

    /** Forgets a session its owner closed. */
    void closed(AutoCloseable session) {
        open.remove(session);
    }

    /** Sessions recorded as open (a copy). */
    List<AutoCloseable> openSessions() {
        return List.copyOf(open);
    }

    /**
     * What the shutdown hook runs: waits up to {@code waitMs} for native calls in progress, then closes every open
     * session and keeps the exclusive lock so no further native call starts.
     *
     * @return {@code true} when the sessions were closed, {@code false} when a native call did not return in time
     */
    boolean shutdown(long waitMs) {
        if (shutDown.get()) {
            return true;
        }
        try {
            if (!lock.writeLock().tryLock(waitMs, TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        for (AutoCloseable s : List.copyOf(open)) {
            try {
                s.close();
            } catch (Exception | Error e) {
                // best effort while the JVM exits
            }
            open.remove(s);
        }
        shutDown.set(true);
        return true;
    }
}
