package com.maticsapp.scan.data;

/**
 * The scan queue ({@link ScanCoalescer}) turned a scan away before any statement carried it,
 * exactly as the pool's own wait queue would have: a type of its own, so the failure is
 * classified by what it is ({@link DatabaseFailures}), never by its message.
 */
final class QueueRefusal extends RuntimeException {

  enum Reason {
    /** {@code database.pool.maxWaitQueueSize} requests were already waiting. */
    QUEUE_FULL,
    /** It waited longer than {@code database.pool.connectionTimeout}. */
    WAITED_TOO_LONG
  }

  private final Reason reason;

  QueueRefusal(Reason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  Reason reason() {
    return reason;
  }
}
