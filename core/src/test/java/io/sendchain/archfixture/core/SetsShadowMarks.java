package io.sendchain.archfixture.core;

import io.sendchain.buf.Buf;
import io.sendchain.internal.BufAccess;

/** Planted violation: a class other than the event pipe's bookkeeping marks a buf as the last shadow of another. */
public class SetsShadowMarks {
    public void link(Buf shadow, Buf raw) {
        BufAccess.shadow(shadow, raw);
        BufAccess.lastShadow(shadow, true);
    }
}
