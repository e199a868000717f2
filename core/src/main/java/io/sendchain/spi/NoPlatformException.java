package io.sendchain.spi;

import java.io.IOException;

/** No platform fits: the message names the choice that failed and lists every provider with its reason. */
public final class NoPlatformException extends IOException {

    private static final long serialVersionUID = 1L;

    public NoPlatformException(String message) {
        super(message);
    }
}
