package org.mixquant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The one property every fuzz test of a parser of user files checks: the parser returns a valid result or throws one
 * of the expected exception types with a non-blank one-line message; it never runs out of memory, never throws any
 * other exception (ClassCast, NegativeArraySize, ArrayIndexOutOfBounds, raw protobuf or Jackson exceptions ...), and
 * never hangs.
 */
public final class ParserFuzzing {
    /**
     * Longest one parse of a fuzzed input may take. The inputs are at most a few kB and parse in well under a
     * millisecond, so only a hang (or a runaway allocation) comes near this, even on 2 shared cores.
     */
    public static final long HANG_SECONDS = 20;

    /** Fixed seed of every fuzz property, so CI runs the same inputs each time. */
    public static final String SEED = "20261130";

    /** Tries per property: enough to hit each parser's checks many times, small enough for < 60 s in all. */
    public static final int TRIES = 1000;

    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "parser-fuzzing");
        t.setDaemon(true);
        return t;
    });

    private ParserFuzzing() {
    }

    /**
     * Runs {@code parse} on a worker thread (so a hang fails instead of blocking the build) and checks the outcome.
     *
     * @param parse    the parser call on one fuzzed input
     * @param valid    checks a returned result (throws AssertionError if it is not valid)
     * @param expected the exception types the parser may throw for a bad input (exactly these classes)
     * @return the result, or {@code null} if the input was rejected
     */
    @SafeVarargs
    public static <T> T returnsOrRejects(Callable<T> parse, Consumer<T> valid,
            Class<? extends Exception>... expected) {
        Future<T> f = WORKER.submit(parse);
        T result;
        try {
            result = f.get(HANG_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return fail("the parser hung for more than " + HANG_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            for (Class<? extends Exception> ok : expected) {
                // the exact type: a subclass such as Jackson's JsonMappingException (an IOException) or
                // NumberFormatException (an IllegalArgumentException) would be a library's raw message leaking out
                if (cause.getClass() == ok) {
                    String msg = cause.getMessage();
                    assertNotNull(msg, () -> "rejected without a message: " + cause);
                    assertFalse(msg.isBlank(), () -> "rejected with a blank message: " + cause);
                    assertFalse(msg.contains("\n"), () -> "message is not one line: " + msg);
                    return null;
                }
            }
            throw new AssertionError("unexpected " + cause.getClass().getName() + ": " + cause.getMessage(), cause);
        }
        valid.accept(result);
        return result;
    }
}
