package io.sendchain.loop;

import io.sendchain.event.Connection;
import io.sendchain.event.Event;
import io.sendchain.internal.EventAccess;
import java.util.Arrays;

/**
 * Armed timers as a binary min-heap of events ordered by (deadline, sequence): the role of nginx's timer
 * rbtree. Intrusive: each event remembers its index, so removal is O(log n) and nothing is allocated once the
 * array has grown to the loop's largest number of armed timers.
 */
final class TimerHeap {

    private static final EventAccess<Event, Connection> A = EventAccess.get(Event.class);

    private Event[] heap = new Event[64];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    Event min() {
        return size == 0 ? null : heap[0];
    }

    void add(Event ev) {
        if (A.timerIndex(ev) >= 0) {
            throw new IllegalStateException("timer already armed: " + ev);
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = ev;
        A.timerIndex(ev, size);
        size++;
        siftUp(size - 1);
    }

    void remove(Event ev) {
        int i = A.timerIndex(ev);
        if (i < 0 || i >= size || heap[i] != ev) {
            throw new IllegalStateException("timer not armed: " + ev);
        }
        size--;
        Event last = heap[size];
        heap[size] = null;
        A.timerIndex(ev, -1);
        if (i != size) {
            heap[i] = last;
            A.timerIndex(last, i);
            siftDown(i);
            siftUp(A.timerIndex(last));
        }
    }

    private static boolean less(Event a, Event b) {
        return A.timerDeadline(a) < A.timerDeadline(b)
                || (A.timerDeadline(a) == A.timerDeadline(b) && A.timerSeq(a) < A.timerSeq(b));
    }

    private void siftUp(int i) {
        Event ev = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Event p = heap[parent];
            if (!less(ev, p)) {
                break;
            }
            heap[i] = p;
            A.timerIndex(p, i);
            i = parent;
        }
        heap[i] = ev;
        A.timerIndex(ev, i);
    }

    private void siftDown(int i) {
        Event ev = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && less(heap[right], heap[child])) {
                child = right;
            }
            if (!less(heap[child], ev)) {
                break;
            }
            heap[i] = heap[child];
            A.timerIndex(heap[i], i);
            i = child;
        }
        heap[i] = ev;
        A.timerIndex(ev, i);
    }
}
