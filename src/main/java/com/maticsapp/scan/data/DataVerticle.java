package com.maticsapp.scan.data;

import com.maticsapp.scan.Lifecycle;
import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.BusCodecs;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Owns the database client and all SQL: builds the stores and operations, then serves the data
 * addresses of {@link Addresses} from one table, one line per address. How an address is served
 * (credential, reply, failure, accounting) is {@link Dispatcher}'s; what it does is its
 * operation's ({@link ScanOperations}, {@link TableOperations}, {@link AccessOperations}).
 * Nothing else in the process talks to PostgreSQL.
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

  private SqlClient client;
  private Dispatcher bus;
  private ScanCoalescer coalescer;
  private LookupCoalescer lookups;
  private ChangePruner pruner;
  private FailureObserver failures;
  private long summaries = -1;
  private ErasureOperations erasure;
  private ImportOperations imports;

  public DataVerticle(AppConfig config, DatabaseActivity activity, MeterRegistry registry, Authenticator authenticator) {
    this.config = config;
    this.activity = activity;
    this.registry = registry;
    this.authenticator = authenticator;
  }

  @Override
  public Future<?> start() {
    BusCodecs.register(vertx);
    // Shared by name with the other data instances and the webhook dispatcher: one pool, one budget.
    client = Database.client(vertx, config.database(), true);
    failures = new FailureObserver(activity, registry, config.data().failureLogInterval());
    summaries = vertx.setPeriodic(config.data().failureLogInterval().toMillis(), id -> failures.flushWarnings(false));
    Retries retries = new Retries(vertx, config.data().retry());
    AccessStore access = new AccessStore(client);
    ScanStore scanStore = new ScanStore(client, config.data().maxMatchedRows());
    coalescer = new ScanCoalescer(vertx, scanStore::record, scanStore::stored, retries,
        config.limits().batchMaxScans(), config.data().scanStatementsInFlight(),
        config.database().pool().maxWaitQueueSize(), config.database().pool().connectionTimeout().toMillis());
    lookups = new LookupCoalescer(vertx, new LookupStore(client, config.data().maxMatchedRows()),
        config.data().lookupBatchMax(), config.data().lookupStatementsInFlight(),
        config.database().pool().maxWaitQueueSize(), config.database().pool().connectionTimeout().toMillis());
    ScanOperations scans = new ScanOperations(vertx.eventBus(), lookups, coalescer, new ScanHistoryStore(client), access, retries, failures, config.limits());
    TableOperations tables =
        new TableOperations(new TableStore(client), new RowStore(client), access, retries, config.limits());
    AccessOperations members = new AccessOperations(new MemberStore(client), new PairingStore(client), access,
        retries, authenticator, config.auth().pairing(), config.limits().pageMaxRows());
    SyncOperations sync = new SyncOperations(new SyncStore(client), new DeviceStore(client), access, retries,
        config.sync(), config.limits().pageMaxRows());
    pruner = new ChangePruner(vertx, client, config.sync());
    DoorOperations door = new DoorOperations(vertx.eventBus(), new UndoStore(client), new StatusStore(client), access, retries);
    WebhookOperations webhooks = new WebhookOperations(new WebhookStore(client), access, retries, config.webhooks(),
        config.limits().pageMaxRows());
    DatabaseProbe probe = new DatabaseProbe(client, config, activity, registry);
    // Operations whose statements may write webhook events tell the dispatcher once they committed.
    OutboxSignals outbox = new OutboxSignals(vertx.eventBus());
    imports = new ImportOperations(vertx, new ImportStore(client), access, config.transfer(), outbox, new TableStore(client),
        activity);
    erasure = new ErasureOperations(vertx, new ErasureStore(client), access, config.transfer());
    TableEditOperations edits = new TableEditOperations(vertx, new TableEditStore(client), new TableStore(client),
        new ColumnStore(client), access, config.transfer());
    ExportOperations exports = new ExportOperations(new ExportStore(client), access, retries, config.limits().pageMaxScans());
    bus = new Dispatcher(vertx, authenticator, failures);

    // ---- The address table: one line per address (docs/event-bus.md) ----
    // outbox.emitting: its statements may write webhook events; outbox.changingEndpoints: it
    // may give the dispatcher work where it had none (OutboxSignals).
    bus.serve(Addresses.SCANS_LOOKUP, scans::lookup);
    bus.serve(Addresses.SCANS_RECORD, outbox.emitting(scans::record));
    bus.serve(Addresses.SCANS_RECORD_BATCH, outbox.emitting(scans::recordBatch));
    bus.serve(Addresses.SCANS_LIST, scans::list);
    bus.serve(Addresses.SCANS_CONFLICTS, scans::conflicts);
    bus.serve(Addresses.SCANS_SINCE, scans::since);
    bus.serve(Addresses.SCANS_UNDO, outbox.emitting(door::undo));
    bus.serve(Addresses.SCANS_STATUS, door::status);
    bus.serveUnauthenticated(Addresses.SCANS_STATUS_FEED, door::statusFeed);
    bus.serve(Addresses.WORKSPACES_CREATE, tables::createWorkspace);
    bus.serve(Addresses.WORKSPACES_LIST, tables::listWorkspaces);
    bus.serve(Addresses.TABLES_LIST, tables::listTables);
    bus.serve(Addresses.TABLES_CREATE, tables::createTable);
    bus.serve(Addresses.TABLES_GET, tables::getTable);
    bus.serve(Addresses.COLUMNS_UPDATE, outbox.emitting(edits::changeColumn));
    bus.serve(Addresses.ROWS_CREATE, outbox.emitting(tables::createRow));
    bus.serve(Addresses.ROWS_BULK_CREATE, outbox.emitting(tables::createRows));
    bus.serve(Addresses.ROWS_LIST, tables::listRows);
    bus.serve(Addresses.ROWS_GET, tables::getRow);
    bus.serve(Addresses.ROWS_UPDATE, outbox.emitting(tables::updateRow));
    bus.serve(Addresses.MEMBERS_LIST, members::listMembers);
    bus.serve(Addresses.MEMBERS_PUT, members::putMember);
    bus.serve(Addresses.MEMBERS_REMOVE, members::removeMember);
    bus.serve(Addresses.PAIRINGS_OPEN, members::openPairing);
    bus.serve(Addresses.PAIRINGS_LIST, members::listPairings);
    bus.serve(Addresses.PAIRINGS_REVOKE, members::revokePairing);
    bus.serveUnauthenticated(Addresses.PAIRINGS_CLAIM, members::claim);
    bus.serve(Addresses.SYNC_SNAPSHOT_PAGE, sync::snapshotPage);
    bus.serve(Addresses.SYNC_DELTA, sync::delta);
    bus.serve(Addresses.DEVICES_LIST, sync::listDevices);
    bus.serve(Addresses.DEVICES_REVOKE, sync::revokeDevice);
    bus.serve(Addresses.IMPORTS_CREATE, imports::create);
    bus.serve(Addresses.TABLES_CREATE_FROM_FILE, imports::createTableFromFile);
    bus.serve(Addresses.IMPORTS_RUN, imports::run);
    bus.serve(Addresses.IMPORTS_ABORT, imports::abort);
    bus.serve(Addresses.IMPORTS_GET, imports::get);
    bus.serve(Addresses.SCANS_EXPORT_PAGE, exports::scansPage);
    bus.serve(Addresses.ROWS_DELETE, erasure::deleteRows);
    bus.serve(Addresses.TABLES_DELETE, erasure::deleteTable);
    bus.serve(Addresses.WORKSPACES_RETENTION, erasure::setRetention);
    bus.serve(Addresses.TABLES_UPDATE, edits::update);
    bus.serve(Addresses.COLUMNS_ADD, edits::addColumn);
    bus.serve(Addresses.COLUMNS_REMOVE, outbox.emitting(edits::removeColumn));
    bus.serve(Addresses.WEBHOOKS_CREATE, outbox.changingEndpoints(webhooks::create));
    bus.serve(Addresses.WEBHOOKS_LIST, webhooks::list);
    bus.serve(Addresses.WEBHOOKS_GET, webhooks::get);
    bus.serve(Addresses.WEBHOOKS_UPDATE, outbox.changingEndpoints(webhooks::update));
    bus.serve(Addresses.WEBHOOKS_DELETE, webhooks::delete);
    bus.serve(Addresses.WEBHOOKS_ROTATE_SECRET, webhooks::rotateSecret);
    bus.serve(Addresses.WEBHOOKS_DELIVERIES, webhooks::deliveries);
    bus.serve(Addresses.WEBHOOKS_REDELIVER, outbox.changingEndpoints(webhooks::redeliver));
    bus.serve(Addresses.WEBHOOKS_REDELIVER_SINCE, outbox.changingEndpoints(webhooks::redeliverSince));
    bus.answer(Addresses.DATABASE_STATUS, probe::answer);

    checkStatementTimeout();
    erasure.startSweeping();
    imports.startSweeping();
    pruner.start();
    // One ping at start-up reads server_version, which the detailed health document then shows
    // even while recent traffic alone is its evidence (a ping never fails: DOWN is an answer).
    return Future.all(bus.registered(), probe.status(true));
  }

  @Override
  public Future<?> stop() {
    long deadline = Math.max(Lifecycle.drainDeadline(vertx, config.http().drainTimeout()),
        System.currentTimeMillis() + Lifecycle.DATA_DRAIN_FLOOR.toMillis());
    pruner.stop();
    erasure.stopSweeping();
    imports.stopSweeping();
    return bus.unregister()
        .transform(unregistered -> bus.quiesce(deadline, List.of(coalescer, lookups)))
        .transform(quiet -> {
          vertx.cancelTimer(summaries);
          failures.flushWarnings(true);
          return client.close();
        });
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
    client.query("SHOW statement_timeout").execute().onComplete(shown -> {
      if (shown.failed()) {
        log.warn("could not read the server's statement_timeout: {}", shown.cause().toString());
        return;
      }
      String effective = shown.result().iterator().next().getString(0);
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
}
