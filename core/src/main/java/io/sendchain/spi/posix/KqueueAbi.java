package io.sendchain.spi.posix;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * What {@link KqueueDriver} needs to know of one kernel's kqueue, from its {@code <sys/event.h>}: the layout of
 * {@code struct kevent} (64 bytes on FreeBSD 12 and later, 32 on macOS) and the filter and flag numbers (the same
 * on FreeBSD and macOS but for {@code EVFILT_USER}; NetBSD numbers its filters from 0).
 *
 * @param kevent {@code struct kevent}, with elements named {@code ident}, {@code filter} and {@code flags} (16-bit),
 *     {@code fflags} (32-bit), {@code data} and {@code udata} (64-bit)
 * @param evfiltRead {@code EVFILT_READ}
 * @param evfiltWrite {@code EVFILT_WRITE}
 * @param evfiltUser {@code EVFILT_USER} (the wake-up from other threads)
 * @param evAdd {@code EV_ADD}
 * @param evDelete {@code EV_DELETE}
 * @param evClear {@code EV_CLEAR} (edge-triggered)
 * @param evError {@code EV_ERROR}
 * @param evEof {@code EV_EOF}
 * @param noteTrigger {@code NOTE_TRIGGER}
 * @param eintr {@code EINTR}
 */
public record KqueueAbi(StructLayout kevent, short evfiltRead, short evfiltWrite, short evfiltUser, short evAdd,
        short evDelete, short evClear, short evError, short evEof, int noteTrigger, int eintr) {

    /** Checks that the {@code struct kevent} layout has the fields the driver uses. */
    public KqueueAbi {
        Objects.requireNonNull(kevent, "kevent");
        for (String name : new String[] {"ident", "filter", "flags", "fflags", "data", "udata"}) {
            offset(kevent, name); // fails fast on a layout without it
        }
    }

    long size() {
        return kevent.byteSize();
    }

    long offset(String element) {
        return offset(kevent, element);
    }

    private static long offset(StructLayout layout, String element) {
        try {
            return layout.byteOffset(MemoryLayout.PathElement.groupElement(element));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("struct kevent layout has no element " + element + ": " + layout, e);
        }
    }
}
