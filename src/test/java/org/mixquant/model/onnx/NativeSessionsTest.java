package org.mixquant.model.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.mixquant.model.onnx.OnnxModel;
import org.mixquant.model.onnx.OnnxRunner;
import org.mixquant.model.TinyOnnx;

/** The shutdown hook's session handling, run directly on a private instance (what happens on Ctrl-C). */
class NativeSessionsTest {
    /** Long enough for a thread that could proceed to do so on a loaded 2-core machine. */
    static final long SETTLE_MS = 300;

    static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shutdownWaitsForANativeCallThenClosesOpenSessionsAndBlocksNewCalls() throws Exception {
        NativeSessions ns = new NativeSessions();
        AtomicInteger closes = new AtomicInteger();
        ns.opened(closes::incrementAndGet);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> creating = CompletableFuture.runAsync(() -> {
            try {
                ns.call(() -> {
                    inside.countDown();
                    await(release);
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        CompletableFuture<Boolean> hook = CompletableFuture.supplyAsync(() -> ns.shutdown(30_000));
        Thread.sleep(SETTLE_MS);
        assertFalse(hook.isDone(), "shutdown must wait for the native call in progress");
        assertEquals(0, closes.get(), "no session is closed under a native call");
        release.countDown();
        assertTrue(hook.get(10, TimeUnit.SECONDS));
        creating.get(10, TimeUnit.SECONDS);
        assertEquals(1, closes.get());
        assertTrue(ns.openSessions().isEmpty());
        assertTrue(CompletableFuture.supplyAsync(() -> ns.shutdown(30_000)).get(5, TimeUnit.SECONDS),
                "a second shutdown (the JVM hook after the signal handler) returns at once");

        Thread late = new Thread(() -> {
            try {
                ns.call(() -> null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        late.setDaemon(true);
        late.start();
        late.join(SETTLE_MS);
        assertTrue(late.isAlive(), "no native call starts after shutdown closed the sessions");
    }

    @Test
    void shutdownLeavesSessionsOpenWhenANativeCallDoesNotReturnInTime() throws Exception {
        NativeSessions ns = new NativeSessions();
        AtomicInteger closes = new AtomicInteger();
        ns.opened(closes::incrementAndGet);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
            try {
                ns.call(() -> {
                    inside.countDown();
                    await(release);
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        assertFalse(ns.shutdown(50));
        assertEquals(0, closes.get());
        release.countDown();
        running.get(10, TimeUnit.SECONDS);
    }

    @Test
    void runnersAreRecordedWhileOpenAndCloseOnce() throws Exception {
        OnnxModel m = OnnxModel.fromBytes("tiny", TinyOnnx.mlp(TinyOnnx.values(12, 1), TinyOnnx.values(6, 2))
                .bytes());
        OnnxRunner r = m.open(OrtEnvironment.getEnvironment(), 1);
        assertTrue(NativeSessions.GLOBAL.openSessions().contains(r));
        r.close();
        assertFalse(NativeSessions.GLOBAL.openSessions().contains(r));
        r.close();
    }
}
