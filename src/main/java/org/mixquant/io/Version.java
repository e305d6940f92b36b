package org.mixquant.io;

/**
 * The toolkit's version, read in this one place: the {@code Implementation-Version} entry of the jar manifest, which
 * Maven writes from the pom's {@code <version>} ({@code addDefaultImplementationEntries}). Every file the toolkit
 * writes records it in its provenance, and {@code mixquant --version} prints it.
 *
 * <p>Running from compiled classes (tests, an IDE) there is no manifest; the version is then {@link #DEV}, so a plan
 * written that way says plainly that it came from an unreleased build.
 */
public final class Version {
    /** The version when the classes do not come from the toolkit's jar (tests, IDE runs): {@value}. */
    public static final String DEV = "dev";

    private static final String VERSION = read();

    private Version() {
    }

    /** The toolkit version, e.g. {@code 0.1.0-SNAPSHOT}, or {@link #DEV} when not running from the jar. */
    public static String get() {
        return VERSION;
    }

    private static String read() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? DEV : v;
    }
}
