package com.maticsapp.scan.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many live scan streams are open, per caller and in this instance, and the bound on
 * each ({@code http.stream.maxPerCaller}, {@code http.stream.maxOpen}). A stream is a
 * connection held open indefinitely, so the request rate limit alone does not bound what one
 * caller can hold. One per process, shared by the HTTP verticles (a caller's streams may land
 * on any event loop); a slot is taken before the stream asks for anything and given back when
 * its response ends, however it ends.
 */
public final class StreamSlots {

  /** Why a stream was refused, or {@link #NONE}. */
  enum Refusal { NONE, CALLER, INSTANCE }

  private final int maxPerCaller;
  private final int maxOpen;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, Integer> byCaller = new ConcurrentHashMap<>();

  public StreamSlots(int maxPerCaller, int maxOpen) {
    this.maxPerCaller = maxPerCaller;
    this.maxOpen = maxOpen;
  }

  /** Takes a slot for {@code caller}, or says which bound is full (and takes nothing). */
  Refusal acquire(String caller) {
    if (open.incrementAndGet() > maxOpen) {
      open.decrementAndGet();
      return Refusal.INSTANCE;
    }
    boolean[] full = {false};
    byCaller.compute(caller, (key, held) -> {
      int now = held == null ? 0 : held;
      if (now >= maxPerCaller) {
        full[0] = true;
        return held;
      }
      return now + 1;
    });
    if (full[0]) {
      open.decrementAndGet();
      return Refusal.CALLER;
    }
    return Refusal.NONE;
  }

  /** Gives back a slot taken by {@link #acquire}. */
  void release(String caller) {
    byCaller.computeIfPresent(caller, (key, held) -> held <= 1 ? null : held - 1);
    open.decrementAndGet();
  }

  int maxPerCaller() {
    return maxPerCaller;
  }

  int maxOpen() {
    return maxOpen;
  }
}
