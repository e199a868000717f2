package io.sendchain.internal;

import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The package-private state of {@code io.sendchain.event.Event} and {@code Connection} for the rest of core, in the
 * JDK's {@code SharedSecrets} style: the event loop's own bookkeeping (timer fields, {@code posted},
 * {@code timedOut}, the poster, the close action) and the driver flags that {@code io.sendchain.spi.DriverEvents}
 * hands to drivers and sockets. Installed once by {@code Event}'s static initializer; this package is not exported,
 * so only core uses it.
 *
 * <p>The types are parameters ({@code E}: the event, {@code C}: the connection) so that this package depends on
 * none of core's others: {@code event} depends on it to install the accessor, and a dependency back would be a
 * package cycle.
 *
 * <p>Each method reads or writes the field of the same name; {@code Event} documents them.
 *
 * @param <E> {@code Event}
 * @param <C> {@code Connection}
 */
public abstract class EventAccess<E, C> {

    /**
     * Where an event goes to be handled later in its loop: nginx's {@code ngx_post_event} onto
     * {@code ngx_posted_events} ({@link #post}, this cycle) or {@code ngx_posted_next_events} ({@link #postNext},
     * after one more poll). As an {@link Executor} it runs tasks on the loop's thread when called from any other.
     *
     * @param <E> {@code Event}
     */
    public interface Poster<E> extends Executor {

        /** Handle {@code ev} before the loop waits for the kernel again. */
        void post(E ev);

        /** Handle {@code ev} in the next cycle, after one more poll. */
        void postNext(E ev);
    }

    private static volatile EventAccess<?, ?> access;

    /** Called once, by {@code Event}'s static initializer. */
    public static void install(EventAccess<?, ?> a) {
        if (access != null) {
            throw new IllegalStateException("EventAccess installed twice");
        }
        access = a;
    }

    /**
     * The accessor, initializing {@code eventClass} (whose static initializer installs it) first if no event exists
     * yet.
     */
    @SuppressWarnings("unchecked")
    public static <E, C> EventAccess<E, C> get(Class<E> eventClass) {
        if (access == null) {
            try {
                Class.forName(eventClass.getName(), true, eventClass.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return (EventAccess<E, C>) access;
    }

    public abstract void ready(E ev, boolean v);

    public abstract boolean active(E ev);

    public abstract void active(E ev, boolean v);

    public abstract void error(E ev, boolean v);

    public abstract void eof(E ev, boolean v);

    public abstract boolean pendingEof(E ev);

    public abstract void pendingEof(E ev, boolean v);

    public abstract int kqErrno(E ev);

    public abstract void kqErrno(E ev, int errno);

    public abstract boolean complete(E ev);

    public abstract void complete(E ev, boolean v);

    public abstract void timedOut(E ev, boolean v);

    public abstract void timerSet(E ev, boolean v);

    public abstract boolean posted(E ev);

    public abstract void posted(E ev, boolean v);

    public abstract long timerDeadline(E ev);

    public abstract void timerDeadline(E ev, long deadline);

    public abstract long timerSeq(E ev);

    public abstract void timerSeq(E ev, long seq);

    public abstract int timerIndex(E ev);

    public abstract void timerIndex(E ev, int index);

    public abstract Poster<E> poster(E ev);

    public abstract void poster(E ev, Poster<E> poster);

    /** {@code c}'s platform socket ({@code NetSocket}), or {@code null}. */
    public abstract Object socket(C c);

    public abstract int driverSlot(C c);

    public abstract void driverSlot(C c, int slot);

    public abstract void addSent(C c, long n);

    /**
     * {@code c}'s flight-recorder counters ({@code io.sendchain.internal.jfr.ConnStats}), or {@code null} while it
     * is not recorded. Typed {@code Object} so that this package depends on no other.
     */
    public abstract Object flight(C c);

    /** Sets {@code c}'s flight-recorder counters. */
    public abstract void flight(C c, Object stats);

    /** Takes {@code c}'s close action (clearing it), or {@code null}. */
    public abstract Consumer<C> takeOnClose(C c);
}
