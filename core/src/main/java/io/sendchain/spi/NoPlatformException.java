package io.sendchain.spi;

import java.io.IOException;

/** No platform fits: the message names the choice that failed and lists every provider with its reason. */
public final class NoPlatformException extends IOException {

    private static final long serialVersionUID = 1L;

    /** No platform fits; {@code message} lists every provider and why it was rejected. */
    public NoPlatformException(String message) {
        super(message);
    }
}
