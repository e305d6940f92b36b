package org.mixquant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected digests are from {@code printf '...' | sha256sum} over the bytes the javadoc describes. */
class TextsTest {
    @Test
    void eachTextIsFollowedByAZeroByte() {
        // printf 'a\0b\0' | sha256sum
        assertEquals("8fb20ef63ced4145fc2e983ffe597d1dcff39154c3bf21f0fa9dde6a0c50fdc9",
                Texts.sha256(List.of("a", "b")));
    }

    @Test
    void noTextsIsTheDigestOfNothing() {
        // printf '' | sha256sum
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Texts.sha256(List.of()));
    }

    @Test
    void prefixComesFirstWithoutSeparatorAndTextsAreUtf8() {
        // printf 'key;a\0\xc3\xa9\0' | sha256sum  (é is C3 A9 in UTF-8)
        assertEquals("ff8581cfcbb952e5e22bc834771bd5c9bcc6c3139422277494c27cb7a1c8bcf7",
                Texts.sha256("key;", List.of("a", "\u00e9")));
        assertEquals(Texts.sha256(List.of("a", "b")), Texts.sha256("", List.of("a", "b")));
    }

    @Test
    void splittingATextChangesTheDigest() {
        assertNotEquals(Texts.sha256(List.of("ab")), Texts.sha256(List.of("a", "b")));
    }
}
