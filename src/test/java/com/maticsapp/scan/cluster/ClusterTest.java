package com.maticsapp.scan.cluster;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.FreePorts;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.TestDatabase;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three cluster members in this JVM: three clustered Vert.x instances built by Application
 * exactly as Main builds them, each with its own Hazelcast member on 127.0.0.1 (TCP/IP
 * discovery of all three), its own event bus port, HTTP port and pool, all over one database.
 * The tests run in order: the last two cut member C off the cluster, then stop B.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

  /** Bounds every wait on the cluster (joins, membership changes, registrations spreading). */
  private static final long SETTLE_MILLIS = 30_000;
  /** How long to wait for a publication that must arrive. */
  private static final long ARRIVAL_MILLIS = 10_000;
  /** How long to watch for a duplicate that must not arrive. */
  private static final long QUIET_MILLIS = 500;
  private static final java.time.Duration STREAM_WAIT = java.time.Duration.ofSeconds(10);
  private static final DeliveryOptions BOUNDED = new DeliveryOptions().setSendTimeout(10_000)
      .addHeader(Addresses.AUTHORIZATION, Tokens.bearer(Tokens.user(RunningService.USER)));

  private TestDatabase database;
  private RunningService a;
  private RunningService b;
  private RunningService c;
  private JsonObject table;
  private String tableId;

  @BeforeAll
  void startThreeMembers() {
    database = TestDatabase.create();
    List<Integer> ports = FreePorts.loopback(3);
    List<String> members = ports.stream().map(port -> "127.0.0.1:" + port).toList();
    // One after the other: the first forms the cluster (and migrates), the others join it.
    a = RunningService.startClustered(database, ports.get(0), members, Map.of());
    b = RunningService.startClustered(database, ports.get(1), members, Map.of());
    c = RunningService.startClustered(database, ports.get(2), members, Map.of());
    for (RunningService member : List.of(a, b, c)) {
      awaitTrue("every member sees three members", () -> cluster(member).getInteger("member_count") == 3);
    }
    table = new Fixtures(a).table();
    tableId = table.getString("id");
    new Fixtures(a).row(tableId, new JsonObject().put("code", "CL-1").put("name", "clustered"));
  }

  @AfterAll
  void stopMembers() {
    for (RunningService member : new RunningService[] {c, b, a}) {
      if (member != null) {
        try {
          member.close();
        } catch (RuntimeException e) {
          System.out.println("closing a cluster member: " + e);
        }
      }
    }
    if (database != null) {
      database.close();
    }
  }

  @Test
  @Order(1)
  void detailedHealthOnEachMemberShowsTheClusterWithThreeMembersAndItsOwnNodeId() {
    List<String> nodeIds = new ArrayList<>();
    for (RunningService member : List.of(a, b, c)) {
      HttpResponse<Buffer> detailed = member.getManagement("/api/health/detailed");
      assertThat(detailed.statusCode()).as(detailed.bodyAsString()).isEqualTo(200);
      JsonObject cluster = detailed.bodyAsJsonObject().getJsonObject("cluster");
      assertThat(cluster.getBoolean("enabled")).isTrue();
      assertThat(cluster.getString("status")).isEqualTo("UP");
      assertThat(cluster.getInteger("member_count")).isEqualTo(3);
      assertThat(cluster.getInteger("expected_members")).isEqualTo(3);
      assertThat(cluster.getJsonArray("members")).hasSize(3).contains(cluster.getString("node_id"));
      assertThat(cluster.getString("node_id")).isEqualTo(member.application().clusterManager().getNodeId());
      nodeIds.add(cluster.getString("node_id"));
    }
    assertThat(Set.copyOf(nodeIds)).as("three distinct members").hasSize(3);
  }

  @Test
  @Order(2)
  void httpRequestsAreAnsweredByTheMemberThatReceivedThem() {
    // health.status has a consumer on every member; without localOnly a request from A's HTTP
    // verticle would be round-robined, and A's health would sometimes describe B or C.
    String ownNode = a.application().clusterManager().getNodeId();
    for (int i = 0; i < 9; i++) {
      assertThat(cluster(a).getString("node_id")).isEqualTo(ownNode);
    }
  }

  @Test
  @Order(3)
  void onlyThePublicAddressesAreRegisteredClusterWide() {
    // As A's cluster manager sees them: public consumers of all three members; of the internal
    // ones only A's own, marked local only (Vert.x keeps those out of the shared map).
    String nodeA = a.application().clusterManager().getNodeId();
    for (String address : List.of(Addresses.SCANS_LOOKUP, Addresses.SCANS_RECORD, Addresses.SCANS_RECORD_BATCH,
        Addresses.HEALTH_STATUS)) {
      List<RegistrationInfo> found = registrations(address);
      assertThat(found).as(address).extracting(RegistrationInfo::localOnly).containsOnly(false);
      assertThat(Set.copyOf(found.stream().map(RegistrationInfo::nodeId).toList())).as(address + ": every member").hasSize(3);
    }
    for (String address : List.of(Addresses.TABLES_GET, Addresses.ROWS_CREATE, Addresses.SCANS_LIST,
        Addresses.DATABASE_STATUS)) {
      List<RegistrationInfo> found = registrations(address);
      assertThat(found).as(address).isNotEmpty().extracting(RegistrationInfo::localOnly).containsOnly(true);
      assertThat(found).as(address + ": no other member's").extracting(RegistrationInfo::nodeId).containsOnly(nodeA);
    }
  }

  @Test
  @Order(4)
  void aScanPostedToAReachesScansRecordedConsumersOnBAndCExactlyOnceEach() {
    try (Listener onB = listen(b); Listener onC = listen(c)) {
      List<String> ids = postScans(a, 5);

      onB.awaitAll(ids);
      onC.awaitAll(ids);
      pause(QUIET_MILLIS);
      assertThat(onB.ids()).as("on B, each once").containsExactlyInAnyOrderElementsOf(ids);
      assertThat(onC.ids()).as("on C, each once").containsExactlyInAnyOrderElementsOf(ids);
      JsonObject record = onB.scans.get(0);
      assertThat(record.getString("table_id")).isEqualTo(tableId);
      assertThat(record.getString("status")).isEqualTo("success");
    }
  }

  @Test
  @Order(5)
  void aScanPostedToAReachesAStreamOnCAndAStreamResumedOnAnotherMemberGetsExactlyWhatItMissed() {
    String path = "/api/tables/" + tableId + "/scans/stream";
    String lastSeen;
    try (SseStream onC = SseStream.open(c.vertx(), c.port(), path, null)) {
      assertThat(onC.status()).isEqualTo(200);
      onC.events("ready", 1, STREAM_WAIT);
      List<String> sent = postScans(a, 3);
      List<SseStream.Frame> received = onC.events("scan", 3, STREAM_WAIT);
      assertThat(received.stream().map(frame -> frame.json().getString("id"))).containsExactlyElementsOf(sent);
      lastSeen = received.get(2).id();
    }

    List<String> missed = postScans(b, 2); // while no stream is open

    try (SseStream onA = SseStream.open(a.vertx(), a.port(), path, lastSeen)) {
      List<SseStream.Frame> replayed = onA.events("scan", 2, STREAM_WAIT);
      assertThat(replayed.stream().map(frame -> frame.json().getString("id"))).containsExactlyElementsOf(missed);
      onA.events("ready", 1, STREAM_WAIT);
      List<String> live = postScans(c, 1);
      List<SseStream.Frame> next = onA.events("scan", 1, STREAM_WAIT);
      assertThat(next.get(0).json().getString("id")).isEqualTo(live.get(0));
      pause(QUIET_MILLIS);
      assertThat(onA.drainReceived().stream().filter(frame -> "scan".equals(frame.event())))
          .as("nothing twice").isEmpty();
    }
  }

  private List<String> postScans(RunningService member, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = UUID.randomUUID().toString();
      HttpResponse<Buffer> created = member.post("/api/scans", scan(tableId, "code", "CL-1").put("id", id));
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      ids.add(id);
    }
    return ids;
  }

  @Test
  @Order(5)
  void aLookupSentFromBsEventBusIsAnsweredAndSpreadOverTheMembers() {
    double servedRemotelyBefore = remotelyProcessed(a) + remotelyProcessed(c);
    for (int i = 0; i < 9; i++) {
      JsonObject reply = b.vertx().eventBus()
          .<JsonObject>request(Addresses.SCANS_LOOKUP, scan(tableId, "code", "cl-1"), BOUNDED)
          .await().body();
      assertThat(reply.getJsonArray("rows")).hasSize(1);
      assertThat(reply.getString("column_id")).isEqualTo(Fixtures.columnId(table, "code"));
    }
    // Round-robin over the three members' consumers: A and C answered some of them.
    assertThat(remotelyProcessed(a) + remotelyProcessed(c))
        .as("event-bus messages A and C received from another member").isGreaterThan(servedRemotelyBefore);
  }

  @Test
  @Order(6)
  void aMemberCutOffKeepsServingAndSaysSoWhileTheOthersCarryOn() {
    String nodeC = c.application().clusterManager().getNodeId();
    try (Listener onB = listen(b);
         SseStream streamOnB = SseStream.open(b.vertx(), b.port(), "/api/tables/" + tableId + "/scans/stream", null)) {
      streamOnB.events("ready", 1, STREAM_WAIT);
      // C's Hazelcast member stops without leaving: to A and B it is a crashed member.
      c.application().clusterManager().getHazelcastInstance().getLifecycleService().terminate();

      // C still serves its own HTTP clients from its own pool, and reports the lost cluster
      // without turning its status DOWN.
      HttpResponse<Buffer> onC = c.post("/api/scans", scan(tableId, "code", "CL-1"));
      assertThat(onC.statusCode()).as(onC.bodyAsString()).isEqualTo(201);
      HttpResponse<Buffer> healthC = c.getManagement("/api/health/detailed");
      assertThat(healthC.statusCode()).as(healthC.bodyAsString()).isEqualTo(200);
      JsonObject detailedC = healthC.bodyAsJsonObject();
      assertThat(detailedC.getString("status")).isEqualTo("UP");
      assertThat(detailedC.getJsonObject("database").getBoolean("up")).isTrue();
      assertThat(detailedC.getJsonObject("cluster").getString("status")).isEqualTo("DOWN");

      // A and B keep serving, and A's scans still reach B.
      List<String> ids = postScans(a, 5);
      postScans(b, 5);
      onB.awaitAll(ids);
      // A stream open on B before C died keeps receiving A's scans (and B's own).
      List<String> streamed = streamOnB.events("scan", 10, STREAM_WAIT).stream()
          .map(frame -> frame.json().getString("id")).toList();
      assertThat(streamed).containsAll(ids);

      awaitTrue("A sees two members once C is gone", () -> cluster(a).getInteger("member_count") == 2);
      JsonObject clusterA = cluster(a);
      assertThat(clusterA.getJsonArray("members")).doesNotContain(nodeC);
      assertThat(clusterA.getString("status")).isEqualTo("UP");
      assertThat(a.getManagement("/api/health/detailed").bodyAsJsonObject().getString("status")).isEqualTo("UP");

      // Once A and B have dropped C, a scan on A reaches B exactly once.
      String after = UUID.randomUUID().toString();
      assertThat(a.post("/api/scans", scan(tableId, "code", "CL-1").put("id", after)).statusCode()).isEqualTo(201);
      onB.awaitAll(List.of(after));
      pause(QUIET_MILLIS);
      assertThat(onB.ids().stream().filter(after::equals)).hasSize(1);
    }
  }

  @Test
  @Order(7)
  void theLastMemberStandingReportsItIsAloneAndKeepsServing() {
    b.close(); // a graceful leave, as on SIGTERM
    b = null;

    awaitTrue("A sees only itself", () -> cluster(a).getInteger("member_count") == 1);
    HttpResponse<Buffer> detailed = a.getManagement("/api/health/detailed");
    assertThat(detailed.statusCode()).as(detailed.bodyAsString()).isEqualTo(200);
    assertThat(detailed.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(detailed.bodyAsJsonObject().getJsonObject("cluster").getString("status")).isEqualTo("ALONE");
    assertThat(a.post("/api/scans", scan(tableId, "code", "CL-1")).statusCode()).isEqualTo(201);
  }

  // ---------------------------------------------------------------- helpers

  /** What the cluster manager holds for an address: one entry per member with a cluster-wide consumer. */
  private List<RegistrationInfo> registrations(String address) {
    Promise<List<RegistrationInfo>> found = Promise.promise();
    a.application().clusterManager().getRegistrations(address, found);
    return found.future().await();
  }

  private static JsonObject cluster(RunningService member) {
    return member.getManagement("/api/health/detailed").bodyAsJsonObject().getJsonObject("cluster");
  }

  private static final Pattern REMOTE_PROCESSED =
      Pattern.compile("(?m)^vertx_eventbus_processed_total\\{[^}]*side=\"remote\"[^}]*} ([0-9.eE+]+)$");

  /** Event-bus messages this member handled that another member had sent (Vert.x metrics). */
  private static double remotelyProcessed(RunningService member) {
    Matcher matcher = REMOTE_PROCESSED.matcher(member.getManagement("/metrics").bodyAsString());
    double total = 0;
    while (matcher.find()) {
      total += Double.parseDouble(matcher.group(1));
    }
    return total;
  }

  /**
   * A scans.recorded consumer on one member, counting this class's table only. It is ready
   * once A has reached it: the registration has to spread through the cluster before a
   * publication on A includes it, so A publishes probes until one arrives.
   */
  private Listener listen(RunningService member) {
    Listener listener = new Listener(member);
    String probe = UUID.randomUUID().toString();
    awaitTrue("a scans.recorded consumer on another member is reachable from A", () -> {
      a.vertx().eventBus().publish(Addresses.SCANS_RECORDED, new JsonObject().put("probe", probe));
      pause(50);
      return listener.probes.contains(probe);
    });
    return listener;
  }

  private final class Listener implements AutoCloseable {
    final List<JsonObject> scans = new CopyOnWriteArrayList<>();
    final List<String> probes = new CopyOnWriteArrayList<>();
    private final MessageConsumer<JsonObject> consumer;

    Listener(RunningService member) {
      consumer = member.vertx().eventBus().consumer(Addresses.SCANS_RECORDED, message -> {
        JsonObject body = message.body();
        if (body.containsKey("probe")) {
          probes.add(body.getString("probe"));
        } else if (tableId.equals(body.getString("table_id"))) {
          scans.add(body);
        }
      });
      consumer.completion().await();
    }

    List<String> ids() {
      return scans.stream().map(scan -> scan.getString("id")).toList();
    }

    void awaitAll(List<String> expected) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ARRIVAL_MILLIS);
      while (!ids().containsAll(expected) && System.nanoTime() < deadline) {
        pause(10);
      }
      assertThat(ids()).as("scans.recorded messages received").containsAll(expected);
    }

    @Override
    public void close() {
      consumer.unregister();
    }
  }

  private static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MILLIS);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      pause(100);
    }
    throw new AssertionError(what + ": not within " + SETTLE_MILLIS + " ms");
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
