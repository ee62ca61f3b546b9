package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.LookupRequest;
import com.maticsapp.scan.contract.ScanRequest;
import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.Lifecycle;
import com.maticsapp.scan.contract.ScanCursor;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import com.maticsapp.scan.config.AppConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Owns the database client and all SQL. Serves the data addresses of {@link Addresses};
 * nothing else in the process talks to PostgreSQL.
 *
 * <p>Stopping lets the work already accepted finish before the client is closed: the
 * consumers are unregistered (nothing new arrives), then it waits until every operation has
 * answered and the {@link ScanCoalescer} is idle, up to the drain deadline
 * ({@link Lifecycle#drainDeadline}, at least {@link Lifecycle#DATA_DRAIN_FLOOR}), and only then
 * closes the client, which closes the pool's connections (freeing a pooler's slots).
 */
public final class DataVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(DataVerticle.class);

  private final AppConfig config;
  private final DatabaseActivity activity;
  private final MeterRegistry registry;
  private final Authenticator authenticator;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  /** Operations received and not yet answered; only touched on this verticle's event loop. */
  private int operations;
  private Promise<Void> operationsDone;

  private SqlClient client;
  private LookupStore lookups;
  private ScanCoalescer scans;
  private Retries retries;
  private ScanHistoryStore history;
  private DatabaseProbe probe;
  private TableOperations tables;

  /** One operation on behalf of an authenticated caller. */
  @FunctionalInterface
  interface Operation {
    Future<JsonObject> apply(Caller caller, JsonObject body);
  }

  public DataVerticle(AppConfig config, DatabaseActivity activity, MeterRegistry registry, Authenticator authenticator) {
    this.authenticator = authenticator;
    this.config = config;
    this.activity = activity;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    // Shared by name with the other data instances and the webhook dispatcher: one pool, one budget.
    client = Database.client(vertx, config.database(), true);
    lookups = new LookupStore(client, config.data().maxMatchedRows());
    retries = new Retries(vertx, config.data().retry());
    scans = new ScanCoalescer(vertx, new ScanStore(client, config.data().maxMatchedRows()), retries,
        config.limits().batchMaxScans(), config.data().scanStatementsInFlight(),
        config.database().pool().maxWaitQueueSize(), config.database().pool().connectionTimeout().toMillis());
    history = new ScanHistoryStore(client);
    probe = new DatabaseProbe(client, config, activity, registry);

    serve(Addresses.SCANS_LOOKUP, this::lookup);
    serve(Addresses.SCANS_RECORD, this::recordScan);
    serve(Addresses.SCANS_RECORD_BATCH, this::recordBatch);
    serve(Addresses.SCANS_LIST, this::listScans);
    serve(Addresses.SCANS_SINCE, this::scansSince);
    AccessStore access = new AccessStore(client);
    TableOperations tableOperations =
        new TableOperations(new TableStore(client), new RowStore(client), access, retries, config.limits());
    tables = tableOperations;
    AccessOperations accessOperations = new AccessOperations(new MemberStore(client), new PairingStore(client), access,
        retries, authenticator, config.auth().pairing(), config.limits().pageMaxRows());
    serve(Addresses.WORKSPACES_CREATE, tableOperations::createWorkspace);
    serve(Addresses.WORKSPACES_LIST, tableOperations::listWorkspaces);
    serve(Addresses.MEMBERS_LIST, accessOperations::listMembers);
    serve(Addresses.MEMBERS_PUT, accessOperations::putMember);
    serve(Addresses.MEMBERS_REMOVE, accessOperations::removeMember);
    serve(Addresses.PAIRINGS_OPEN, accessOperations::openPairing);
    serve(Addresses.PAIRINGS_LIST, accessOperations::listPairings);
    serve(Addresses.PAIRINGS_REVOKE, accessOperations::revokePairing);
    serveUnauthenticated(Addresses.PAIRINGS_CLAIM, accessOperations::claim);
    serve(Addresses.TABLES_LIST, tableOperations::listTables);
    serve(Addresses.TABLES_CREATE, tableOperations::createTable);
    serve(Addresses.TABLES_GET, tableOperations::getTable);
    serve(Addresses.COLUMNS_UPDATE, new ColumnOperations(new ColumnStore(client), access)::updateColumn);
    serve(Addresses.ROWS_CREATE, tableOperations::createRow);
    serve(Addresses.ROWS_BULK_CREATE, tableOperations::createRows);
    serve(Addresses.ROWS_LIST, tableOperations::listRows);
    serve(Addresses.ROWS_GET, tableOperations::getRow);
    serve(Addresses.ROWS_UPDATE, tableOperations::updateRow);
    WebhookOperations webhooks = new WebhookOperations(new WebhookStore(client), access, retries, config.webhooks(),
        config.limits().pageMaxRows());
    serve(Addresses.WEBHOOKS_CREATE, webhooks::create);
    serve(Addresses.WEBHOOKS_LIST, webhooks::list);
    serve(Addresses.WEBHOOKS_GET, webhooks::get);
    serve(Addresses.WEBHOOKS_UPDATE, webhooks::update);
    serve(Addresses.WEBHOOKS_DELETE, webhooks::delete);
    serve(Addresses.WEBHOOKS_ROTATE_SECRET, webhooks::rotateSecret);
    serve(Addresses.WEBHOOKS_DELIVERIES, webhooks::deliveries);
    serve(Addresses.WEBHOOKS_REDELIVER, webhooks::redeliver);
    serve(Addresses.WEBHOOKS_REDELIVER_SINCE, webhooks::redeliverSince);
    // Not through serve(): a DOWN answer is a successful reply but no evidence the database is up.
    consumers.add(register(Addresses.DATABASE_STATUS, message ->
        probe.status(message.body() != null && message.body().getBoolean("active", false)).onComplete(status ->
            message.reply(status.succeeded() ? status.result() : new JsonObject().put("up", false)
                .put("error", String.valueOf(status.cause()))))));
    checkStatementTimeout();
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /**
   * Says so when the configured statement deadline is not in effect on the server, as behind
   * a transaction pooler that drops startup parameters: then only a role or database setting
   * stops a runaway statement (docs/operations.md).
   */
  private void checkStatementTimeout() {
    if (config.database().statementTimeout().isZero()) {
      return;
    }
    client.query("SHOW statement_timeout").execute().onSuccess(rows -> {
      String effective = rows.iterator().next().getString(0);
      if ("0".equals(effective)) {
        log.warn("statement_timeout is 0 on the server although database.statementTimeout is {} ms (pooler mode {}): "
                + "set it on the role, e.g. ALTER ROLE {} SET statement_timeout = '{}ms'",
            config.database().statementTimeout().toMillis(), config.database().pooler(), config.database().user(),
            config.database().statementTimeout().toMillis());
      } else {
        log.info("statement_timeout in effect: {}", effective);
      }
    });
  }

  @Override
  public Future<?> stop() {
    long deadline = Math.max(Lifecycle.drainDeadline(vertx, config.http().drainTimeout()),
        System.currentTimeMillis() + Lifecycle.DATA_DRAIN_FLOOR.toMillis());
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList())
        .transform(unregistered -> quiesce(deadline))
        .transform(quiet -> client.close());
  }

  /** Completes when every accepted operation has answered and no scan is pending, or at the deadline. */
  private Future<Void> quiesce(long deadline) {
    if (operations == 0 && scans.busy() == 0) {
      return Future.succeededFuture();
    }
    log.info("data verticle stopping: waiting for {} operations ({} scans queued, on the wire or awaiting retry), up to {} ms",
        operations, scans.busy(), Math.max(0, deadline - System.currentTimeMillis()));
    if (operations > 0) {
      operationsDone = Promise.promise();
    }
    Future<Void> quiet = Future.all(operationsDone == null ? Future.succeededFuture() : operationsDone.future(),
        scans.whenIdle()).mapEmpty();
    Promise<Void> bounded = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, deadline - System.currentTimeMillis()), id -> {
      if (bounded.tryComplete()) {
        log.warn("data verticle stopping: deadline reached with {} operations unanswered ({} scans pending); closing the client",
            operations, scans.busy());
      }
    });
    quiet.onComplete(done -> {
      vertx.cancelTimer(timer);
      bounded.tryComplete();
    });
    return bounded.future();
  }

  /**
   * Registers one operation. The credential in the {@link Addresses#AUTHORIZATION} header is
   * checked first, whoever sent the message; then the operation runs for that caller. Replies
   * with its result, or fails the request with the {@link ServiceFailure} it maps to;
   * unexpected failures are logged here, once, with the address.
   */
  private void serve(String address, Operation operation) {
    serveMessages(address, message -> authenticator.authenticate(message.headers().get(Addresses.AUTHORIZATION))
        .compose(caller -> operation.apply(caller, bodyOf(message))));
  }

  /** For the one address whose request is its own credential (a pairing claim). */
  private void serveUnauthenticated(String address, Function<JsonObject, Future<JsonObject>> operation) {
    serveMessages(address, message -> operation.apply(bodyOf(message)));
  }

  private static JsonObject bodyOf(Message<?> message) {
    if (!(message.body() instanceof JsonObject body)) {
      throw ServiceFailure.badRequest("the request body must be a JSON object");
    }
    return body;
  }

  private void serveMessages(String address, Function<Message<JsonObject>, Future<JsonObject>> operation) {
    consumers.add(register(address, message -> {
      Future<JsonObject> result;
      try {
        result = operation.apply(message);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      operations++;
      result.onComplete(outcome -> {
        if (outcome.succeeded()) {
          activity.succeeded();
          message.reply(outcome.result());
        } else {
          ServiceFailure failure = observe(address, outcome.cause());
          failure.failReply(message);
        }
        if (--operations == 0 && operationsDone != null) {
          operationsDone.tryComplete();
        }
      });
    }));
  }

  /**
   * The public addresses ({@code scans.*}) are cluster-wide when the event bus is clustered:
   * any member may answer them. The internal {@code data.*} ones carry this instance's own HTTP
   * and health traffic to its own data verticle, so they are registered on this member only.
   */
  private MessageConsumer<JsonObject> register(String address, Handler<Message<JsonObject>> handler) {
    EventBus bus = vertx.eventBus();
    return Addresses.isInternal(address) ? bus.localConsumer(address, handler) : bus.consumer(address, handler);
  }

  /** Classifies a failure, keeps the evidence health relies on, logs what deserves it. */
  private ServiceFailure observe(String address, Throwable cause) {
    switch (DatabaseFailures.kind(cause)) {
      case CLIENT -> {
        if (!(cause instanceof ServiceFailure)) {
          activity.succeeded(); // the database answered, with a constraint violation
        }
      }
      case POOL_EXHAUSTED -> {
        if (cause instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
          activity.poolRejected();
        } else {
          activity.poolTimedOut();
        }
      }
      case UNAVAILABLE -> {
        activity.unavailable(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        log.warn("database unavailable while serving {}: {}", address, cause.toString());
      }
      case TIMEOUT -> log.warn("statement deadline passed while serving {}: {}", address, cause.getMessage());
      case UNEXPECTED -> log.error("unexpected failure while serving {}", address, cause);
    }
    return DatabaseFailures.toServiceFailure(cause);
  }

  private Future<JsonObject> lookup(Caller caller, JsonObject body) {
    LookupRequest request = LookupRequest.parse(body, config.limits());
    return retries.idempotent(() -> lookups.lookup(request, caller));
  }

  private Future<JsonObject> recordScan(Caller caller, JsonObject body) {
    List<FieldError> errors = new ArrayList<>();
    ScanRequest request = ScanRequest.parse(body, "", config.limits(), errors);
    if (request == null) {
      throw ServiceFailure.invalid(errors);
    }
    return scans.record(List.of(request.by(caller))).compose(outcomes -> {
      Object outcome = outcomes.get(0);
      if (outcome instanceof Throwable failure) {
        // Fail with the failure itself, never a wrapper: a checked one (ConnectException,
        // SocketException while the database restarts) must still be classified as
        // "unavailable" (503), not as an unexpected error (500).
        return Future.failedFuture(failure);
      }
      ScanStore.Recorded recorded = (ScanStore.Recorded) outcome;
      announce(recorded);
      return Future.succeededFuture(new JsonObject().put("created", recorded.created()).put("scan", recorded.scan()));
    });
  }

  /**
   * A batch: items that fail validation are answered without touching the database; the
   * rest are recorded by one statement. Results keep request order.
   */
  private Future<JsonObject> recordBatch(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    JsonArray items = fields.array("scans", true, config.limits().batchMaxScans());
    fields.throwIfInvalid();
    Object[] results = new Object[items.size()];
    List<ScanRequest> valid = new ArrayList<>();
    List<Integer> validIndex = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      List<FieldError> errors = new ArrayList<>();
      String path = "scans[" + i + "]";
      ScanRequest request = items.getValue(i) instanceof JsonObject item
          ? ScanRequest.parse(item, path, config.limits(), errors)
          : null;
      if (request == null) {
        results[i] = ServiceFailure.invalid(errors.isEmpty() ? List.of(new FieldError(path, "must be a JSON object")) : errors);
      } else {
        valid.add(request.by(caller));
        validIndex.add(i);
      }
    }
    Future<List<Object>> recorded = valid.isEmpty() ? Future.succeededFuture(List.of()) : scans.record(valid);
    return recorded.map(outcomes -> {
      for (int k = 0; k < outcomes.size(); k++) {
        results[validIndex.get(k)] = outcomes.get(k);
      }
      JsonArray out = new JsonArray();
      for (int i = 0; i < results.length; i++) {
        out.add(batchResult(i, results[i] instanceof Throwable failure && !(failure instanceof ServiceFailure)
            ? observe(Addresses.SCANS_RECORD_BATCH, failure)
            : results[i]));
      }
      return new JsonObject().put("results", out);
    });
  }

  private JsonObject batchResult(int index, Object outcome) {
    if (outcome instanceof ScanStore.Recorded recorded) {
      announce(recorded);
      return new JsonObject()
          .put("index", index)
          .put("status", recorded.created() ? 201 : 200)
          .put("created", recorded.created())
          .put("scan", recorded.scan());
    }
    ServiceFailure failure = ((ServiceFailure) outcome).under("scans[" + index + "]");
    return new JsonObject().put("index", index).put("status", failure.status()).put("error", failure.toProblem());
  }

  /** Publishes a newly recorded scan; the statement has committed by the time we get here. */
  private void announce(ScanStore.Recorded recorded) {
    if (recorded.created()) {
      vertx.eventBus().publish(Addresses.SCANS_RECORDED, recorded.scan());
    }
  }

  private Future<JsonObject> listScans(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID columnId = fields.uuid("column_id", false);
    String columnName = fields.string("column_name", false, 100);
    Long limit = fields.integer("limit", 1, config.limits().pageMaxScans());
    String before = fields.string("before", false, 200);
    fields.throwIfInvalid();
    return retries.idempotent(() -> tables.guardedRead(caller, tableId,
        () -> history.page(tableId, columnId, columnName, limit == null ? 50 : limit.intValue(), before)));
  }

  /** The live scan stream's existence check and replay (see {@link Addresses#SCANS_SINCE}). */
  private Future<JsonObject> scansSince(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    String after = fields.string("after", false, 200);
    Long limit = fields.integer("limit", 0, 100_000);
    ScanCursor cursor = ScanCursor.decode(after);
    if (after != null && cursor == null) {
      fields.error("after", "is not a cursor returned by this API");
    }
    fields.throwIfInvalid();
    return retries.idempotent(() -> tables.guardedRead(caller, tableId,
        () -> history.since(tableId, cursor, limit == null ? 1000 : limit.intValue())));
  }
}
