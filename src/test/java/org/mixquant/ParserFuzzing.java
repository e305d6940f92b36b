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
import java.util.function.Function;

/**
 * Seeded mutation fuzzing of the parsers of user files in plain JUnit: {@link #forAll} runs a property on
 * {@link #TRIES} inputs drawn by a {@link FuzzGen} from a fixed seed, and {@link #returnsOrRejects} is the one check
 * every such property makes: the parser returns a valid result or throws one of the expected exception types with a
 * non-blank one-line message; it never runs out of memory, never throws any other exception (ClassCast,
 * NegativeArraySize, ArrayIndexOutOfBounds, raw protobuf or Jackson exceptions ...), and never hangs.
 */
public final class ParserFuzzing {
    /**
     * Longest one parse of a fuzzed input may take. The inputs are at most a few kB and parse in well under a
     * millisecond, so only a hang (or a runaway allocation) comes near this, even on 2 shared cores.
     */
    public static final long HANG_SECONDS = 20;

    /** Fixed seed of every fuzz property, so CI runs the same inputs each time. */
    public static final long SEED = 20261130L;

    /** Tries per property: enough to hit each parser's checks many times, small enough for < 60 s in all. */
    public static final int TRIES = 1000;

    /**
     * System property naming one try index: {@link #forAll} then runs only that try (its input is drawn from the same
     * seed), to reproduce a failure quickly, e.g. {@code mvn test -Dtest=BitPlanFuzzTest -Dfuzz.try=417}.
     */
    public static final String ONLY_TRY = "fuzz.try";

    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "parser-fuzzing");
        t.setDaemon(true);
        return t;
    });

    private ParserFuzzing() {
    }

    /** A property of one fuzzed input; fails by throwing (an AssertionError, or any exception). */
    @FunctionalInterface
    public interface Check<T> {
        void check(T input) throws Exception;
    }

    /** The seed of try {@code index} of a property with seed {@code seed}: each try draws its input independently. */
    public static long trySeed(long seed, int index) {
        return seed + 0x9E3779B97F4A7C15L * (index + 1L);
    }

    /**
     * Checks {@code property} on {@code tries} inputs, try i drawn by {@code new FuzzGen(trySeed(SEED, i))}, and stops
     * at the first failure with an AssertionError naming the property, the seed and the try index, with
     * {@code show}'s dump of the input (hex for bytes, the text for JSON) and the original failure as its cause.
     *
     * @param name     the property, as Class.method, for the message
     * @param generate draws one input
     * @param show     the input for a failure message: enough to rebuild it by hand (hex or JSON)
     */
    public static <T> void forAll(String name, int tries, Function<FuzzGen, T> generate, Function<T, String> show,
            Check<T> property) {
        String only = System.getProperty(ONLY_TRY);
        int from = 0;
        int to = tries;
        if (only != null && !only.isBlank()) {
            from = Integer.parseInt(only.trim());
            to = from + 1;
        }
        for (int i = from; i < to; i++) {
            T input = generate.apply(new FuzzGen(trySeed(SEED, i)));
            try {
                property.check(input);
            } catch (Throwable t) {
                String dump;
                try {
                    dump = show.apply(input);
                } catch (RuntimeException e) {
                    dump = "(no dump: " + e + ")";
                }
                throw new AssertionError(name + " failed at try " + i + " of " + tries + " (seed " + SEED
                        + "; -D" + ONLY_TRY + "=" + i + " reruns only this try): " + t
                        + "\n  input: " + dump, t);
            }
        }
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
