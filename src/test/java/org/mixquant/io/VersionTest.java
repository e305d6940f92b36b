package org.mixquant.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Tests run from target/classes, where no manifest carries a version. */
class VersionTest {
    @Test
    void fromCompiledClassesTheVersionIsDev() {
        assertEquals(Version.DEV, Version.get());
        assertEquals("dev", Version.DEV);
    }
}
