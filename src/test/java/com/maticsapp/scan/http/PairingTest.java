package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Guest pairings end to end, over real HTTP, real tokens and a real PostgreSQL: an editor opens
 * a pairing, a phone claims it with the code and scans into one column with the guest token it
 * got, until the pairing is revoked, expires or is locked by wrong codes.
 */
class PairingTest extends ServiceTest {

  private static final Pattern CODE = Pattern.compile("^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$");
  private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final String SCANNER_NAME = "Ada Scanner";
  private static final String SCANNER_EMAIL = "ada@example.com";

  /** The per-client claim limit has its own test (ClaimLimitTest); here it must not interfere. */
  @Override
  protected Map<String, String> environment() {
    return Map.of("PAIRING_CLIENT_FAILED_CLAIMS", "1000");
  }

  /** A table, a pairing on its "code" column, the pairing's code and the guest token claimed with it. */
  private record Paired(JsonObject table, String tableId, String pairingId, String code, String token) {
    String columnId(String name) {
      return Fixtures.columnId(table, name);
    }
  }

  // ---------------------------------------------------------------- opening

  @Test
  void opensAPairingWithACodeAClaimUrlAndTheDefaultExpiry() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");

    JsonObject pairing = open(tableId, new JsonObject().put("column_name", "code").put("label", "Dock 3"));

    String code = pairing.getString("code");
    assertThat(code).matches(CODE);
    assertThat(pairing.getString("claim_url"))
        .as("without http.publicUrl, the service's own pairing page at the host the request came to")
        .isEqualTo("http://127.0.0.1:" + service.port() + "/pair?code=" + code);
    assertThat(UUID.fromString(pairing.getString("id"))).isNotNull();
    assertThat(pairing.getString("status")).isEqualTo("active");
    assertThat(pairing.getString("table_id")).isEqualTo(tableId);
    assertThat(pairing.getString("column_id")).isEqualTo(Fixtures.columnId(table, "code"));
    assertThat(pairing.getString("column_name")).isEqualTo("code");
    assertThat(pairing.getString("label")).isEqualTo("Dock 3");
    assertThat(pairing.getString("created_by")).isEqualTo(RunningService.USER);
    Instant createdAt = OffsetDateTime.parse(pairing.getString("created_at")).toInstant();
    Instant expiresAt = OffsetDateTime.parse(pairing.getString("expires_at")).toInstant();
    assertThat(Duration.between(createdAt, expiresAt)).isEqualTo(Duration.ofHours(8));
    assertThat(Duration.between(Instant.now(), expiresAt).abs().minus(Duration.ofHours(8)).abs())
        .as("expires about 8 h from now").isLessThan(Duration.ofMinutes(5));

    JsonObject short120 = open(tableId, new JsonObject().put("column_id", Fixtures.columnId(table, "gtin")).put("expires_in", 120));
    assertThat(short120.getString("column_name")).isEqualTo("gtin");
    Instant shortCreated = OffsetDateTime.parse(short120.getString("created_at")).toInstant();
    Instant shortExpires = OffsetDateTime.parse(short120.getString("expires_at")).toInstant();
    assertThat(Duration.between(shortCreated, shortExpires)).isEqualTo(Duration.ofSeconds(120));
    assertThat(Duration.between(Instant.now(), shortExpires).minusSeconds(120).abs())
        .as("expires about 120 s from now").isLessThan(Duration.ofMinutes(1));

    HttpResponse<Buffer> listed = service.get("/api/tables/" + tableId + "/pairings");
    assertThat(listed.statusCode()).as(listed.bodyAsString()).isEqualTo(200);
    JsonArray pairings = listed.bodyAsJsonObject().getJsonArray("pairings");
    assertThat(pairings).hasSize(2);
    assertThat(pairings.stream().map(p -> ((JsonObject) p).getString("id")))
        .containsExactlyInAnyOrder(pairing.getString("id"), short120.getString("id"));
    assertThat(pairings.stream().map(p -> ((JsonObject) p).getString("status"))).containsOnly("active");
    assertThat(listed.bodyAsString()).as("the code is shown once, when the pairing is opened")
        .doesNotContain(code).doesNotContain(code.replace("-", ""))
        .doesNotContain(short120.getString("code")).doesNotContain("claim_url");
    assertThat(pairings.stream().map(p -> ((JsonObject) p).containsKey("code"))).containsOnly(false);
  }

  @Test
  void expiresInTakesTheConfigurationsDurationSyntaxToo() {
    String tableId = fixtures.table().getString("id");
    JsonObject ninetyMinutes = open(tableId, new JsonObject().put("column_name", "code").put("expires_in", "90m"));
    assertThat(Duration.between(OffsetDateTime.parse(ninetyMinutes.getString("created_at")).toInstant(),
        OffsetDateTime.parse(ninetyMinutes.getString("expires_at")).toInstant())).isEqualTo(Duration.ofMinutes(90));
    JsonObject seconds = open(tableId, new JsonObject().put("column_name", "code").put("expires_in", "600"));
    assertThat(Duration.between(OffsetDateTime.parse(seconds.getString("created_at")).toInstant(),
        OffsetDateTime.parse(seconds.getString("expires_at")).toInstant())).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void refusesAPairingOutsideTheExpiryRangeOnAColumnThatIsNoBarcodeColumnOrOnNoColumn() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    long maxTtl = service.config().auth().pairing().maxTtl().toSeconds();

    for (long expiresIn : new long[] {0, 59, maxTtl + 1}) {
      HttpResponse<Buffer> refused = service.post("/api/tables/" + tableId + "/pairings",
          new JsonObject().put("column_name", "code").put("expires_in", expiresIn));
      assertThat(refused.statusCode()).as("expires_in %d: %s", expiresIn, refused.bodyAsString()).isEqualTo(422);
      assertThat(fields(refused)).contains("expires_in");
    }
    HttpResponse<Buffer> longest = service.post("/api/tables/" + tableId + "/pairings",
        new JsonObject().put("column_name", "code").put("expires_in", maxTtl));
    assertThat(longest.statusCode()).as("expires_in = maxTtl is allowed: %s", longest.bodyAsString()).isEqualTo(201);

    HttpResponse<Buffer> text = service.post("/api/tables/" + tableId + "/pairings", new JsonObject().put("column_name", "name"));
    assertThat(text.statusCode()).as(text.bodyAsString()).isEqualTo(422);
    assertThat(fields(text)).containsExactly("column_name");
    HttpResponse<Buffer> number = service.post("/api/tables/" + tableId + "/pairings",
        new JsonObject().put("column_id", Fixtures.columnId(table, "qty")));
    assertThat(number.statusCode()).as(number.bodyAsString()).isEqualTo(422);
    assertThat(fields(number)).containsExactly("column_id");

    HttpResponse<Buffer> unknownName = service.post("/api/tables/" + tableId + "/pairings", new JsonObject().put("column_name", "nope"));
    assertThat(unknownName.statusCode()).as(unknownName.bodyAsString()).isEqualTo(404);
    HttpResponse<Buffer> unknownId = service.post("/api/tables/" + tableId + "/pairings",
        new JsonObject().put("column_id", UUID.randomUUID().toString()));
    assertThat(unknownId.statusCode()).as(unknownId.bodyAsString()).isEqualTo(404);
    HttpResponse<Buffer> noColumn = service.post("/api/tables/" + tableId + "/pairings", new JsonObject().put("label", "x"));
    assertThat(noColumn.statusCode()).as(noColumn.bodyAsString()).isEqualTo(422);
    HttpResponse<Buffer> noTable = service.post("/api/tables/" + UUID.randomUUID() + "/pairings", new JsonObject().put("column_name", "code"));
    assertThat(noTable.statusCode()).as(noTable.bodyAsString()).isEqualTo(404);

    assertThat(database.count("SELECT count(*) FROM pairings WHERE table_id = '" + tableId + "'"))
        .as("only the pairing with expires_in = maxTtl was opened").isEqualTo(1);
  }

  // ---------------------------------------------------------------- claiming and using a guest token

  @Test
  void aCodeTypedInLowerCaseWithoutDashesClaimsAGuestTokenForThePairingsColumn() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject pairing = open(tableId, new JsonObject().put("column_name", "code"));
    String typed = pairing.getString("code").replace("-", "").toLowerCase(Locale.ROOT);

    HttpResponse<Buffer> claimed = claim(typed);

    assertThat(claimed.statusCode()).as(claimed.bodyAsString()).isEqualTo(201);
    JsonObject body = claimed.bodyAsJsonObject();
    assertThat(body.getString("token")).isNotBlank().contains(".");
    assertThat(body.getString("token_type")).isEqualTo("Bearer");
    assertThat(body.getString("expires_at")).isEqualTo(pairing.getString("expires_at"));
    assertThat(body.getString("pairing_id")).isEqualTo(pairing.getString("id"));
    assertThat(body.getJsonObject("table")).isEqualTo(new JsonObject().put("id", tableId).put("name", "Inventory"));
    assertThat(body.getJsonObject("column"))
        .isEqualTo(new JsonObject().put("id", Fixtures.columnId(table, "code")).put("name", "code"));
    String where = " FROM pairings WHERE id = '" + pairing.getString("id") + "'";
    assertThat(database.count("SELECT claims" + where)).isEqualTo(1);
    assertThat(database.count("SELECT failed_claims" + where)).isEqualTo(0);
    assertThat(database.text("SELECT last_claimed_at" + where)).isNotNull();
  }

  @Test
  void aGuestSearchesAndScansItsOwnColumnOnlyAndItsScansSayWhoScanned() {
    Paired paired = paired();
    JsonObject row = fixtures.row(paired.tableId(), new JsonObject().put("code", "GST-1").put("gtin", "4006381333931").put("name", "Pencil"));

    HttpResponse<Buffer> found = send(paired.token(), HttpMethod.GET,
        "/api/tables/" + paired.tableId() + "/rows/search?column_name=code&value=gst-1", null);
    assertThat(found.statusCode()).as(found.bodyAsString()).isEqualTo(200);
    assertThat(found.bodyAsJsonObject().getJsonArray("rows")).hasSize(1);
    assertThat(found.bodyAsJsonObject().getJsonArray("rows").getJsonObject(0).getString("id")).isEqualTo(row.getString("id"));

    HttpResponse<Buffer> otherColumn = send(paired.token(), HttpMethod.GET,
        "/api/tables/" + paired.tableId() + "/rows/search?column_name=gtin&value=4006381333931", null);
    assertThat(otherColumn.statusCode()).as(otherColumn.bodyAsString()).isEqualTo(403);
    assertThat(otherColumn.bodyAsString()).doesNotContain("Pencil");

    String spoofed = UUID.randomUUID().toString();
    HttpResponse<Buffer> scanned = send(paired.token(), HttpMethod.POST, "/api/scans", scan(paired.tableId(), "code", "GST-1")
        .put("metadata", new JsonObject().put("gate", "north")
            .put("guest", new JsonObject().put("pairing_id", spoofed).put("scanner_name", "Mallory").put("extra", true))));
    assertThat(scanned.statusCode()).as(scanned.bodyAsString()).isEqualTo(201);
    JsonObject scan = scanned.bodyAsJsonObject();
    assertThat(scan.getString("created_by")).isEqualTo("guest:" + paired.pairingId());
    assertThat(scan.getString("pairing_id")).isEqualTo(paired.pairingId());
    assertThat(scan.getJsonArray("matched_row_ids")).containsExactly(row.getString("id"));
    assertThat(scan.getJsonObject("metadata").getString("gate")).as("the client's other metadata is kept").isEqualTo("north");
    assertThat(scan.getJsonObject("metadata").getJsonObject("guest")).as("the token's word, not the client's")
        .isEqualTo(new JsonObject().put("pairing_id", paired.pairingId())
            .put("scanner_name", SCANNER_NAME).put("scanner_email", SCANNER_EMAIL));
    String stored = " FROM scan_history WHERE id = '" + scan.getString("id") + "'";
    assertThat(database.text("SELECT created_by" + stored)).isEqualTo("guest:" + paired.pairingId());
    assertThat(database.text("SELECT pairing_id::text" + stored)).isEqualTo(paired.pairingId());
    assertThat(database.text("SELECT metadata -> 'guest' ->> 'scanner_name'" + stored)).isEqualTo(SCANNER_NAME);
    assertThat(database.text("SELECT metadata::text" + stored)).doesNotContain("Mallory").doesNotContain(spoofed);

    HttpResponse<Buffer> gtinScan = send(paired.token(), HttpMethod.POST, "/api/scans", scan(paired.tableId(), "gtin", "4006381333931"));
    assertThat(gtinScan.statusCode()).as(gtinScan.bodyAsString()).isEqualTo(403);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE column_id = '" + paired.columnId("gtin") + "'")).isZero();

    String batchId = UUID.randomUUID().toString();
    HttpResponse<Buffer> batch = send(paired.token(), HttpMethod.POST, "/api/scans/batch", new JsonObject().put("scans", new JsonArray()
        .add(scan(paired.tableId(), "code", "GST-1").put("id", batchId))
        .add(scan(paired.tableId(), "gtin", "4006381333931"))));
    assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(200);
    JsonArray results = batch.bodyAsJsonObject().getJsonArray("results");
    assertThat(results.getJsonObject(0).getInteger("status")).isEqualTo(201);
    assertThat(results.getJsonObject(0).getJsonObject("scan").getString("created_by")).isEqualTo("guest:" + paired.pairingId());
    assertThat(results.getJsonObject(0).getJsonObject("scan").getJsonObject("metadata").getJsonObject("guest").getString("scanner_name"))
        .isEqualTo(SCANNER_NAME);
    assertThat(results.getJsonObject(1).getInteger("status")).isEqualTo(403);
    assertThat(database.text("SELECT pairing_id::text FROM scan_history WHERE id = '" + batchId + "'")).isEqualTo(paired.pairingId());
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isEqualTo(2);
  }

  @Test
  void aGuestTokenOpensNothingButLookupsAndScansOnItsOwnTable() {
    Paired paired = paired();
    String t = "/api/tables/" + paired.tableId();
    String rowId = fixtures.row(paired.tableId(), new JsonObject().put("code", "GST-2")).getString("id");
    String workspaceId = paired.table().getString("workspace_id");
    assertThat(workspaceId).isNotNull();

    Map<String, HttpResponse<Buffer>> refused = new LinkedHashMap<>();
    refused.put("GET table", send(paired.token(), HttpMethod.GET, t, null));
    refused.put("GET rows", send(paired.token(), HttpMethod.GET, t + "/rows", null));
    refused.put("GET row", send(paired.token(), HttpMethod.GET, t + "/rows/" + rowId, null));
    refused.put("POST row", send(paired.token(), HttpMethod.POST, t + "/rows", new JsonObject().put("data", new JsonObject().put("code", "X"))));
    refused.put("POST rows/bulk", send(paired.token(), HttpMethod.POST, t + "/rows/bulk", new JsonObject()
        .put("rows", new JsonArray().add(new JsonObject().put("data", new JsonObject().put("code", "X"))))));
    refused.put("PATCH row", send(paired.token(), HttpMethod.PATCH, t + "/rows/" + rowId, new JsonObject().put("data", new JsonObject().put("name", "X"))));
    refused.put("GET scans", send(paired.token(), HttpMethod.GET, "/api/scans?table_id=" + paired.tableId(), null));
    refused.put("GET stream", send(paired.token(), HttpMethod.GET, t + "/scans/stream", null));
    refused.put("POST workspace", send(paired.token(), HttpMethod.POST, "/api/workspaces", new JsonObject()
        .put("name", "Guest's own").put("slug", "guest-" + UUID.randomUUID().toString().substring(0, 8))));
    refused.put("GET workspaces", send(paired.token(), HttpMethod.GET, "/api/workspaces", null));
    refused.put("GET members", send(paired.token(), HttpMethod.GET, "/api/workspaces/" + workspaceId + "/members", null));
    refused.put("PUT member", send(paired.token(), HttpMethod.PUT, "/api/workspaces/" + workspaceId + "/members/eve",
        new JsonObject().put("role", "owner")));
    refused.put("POST table", send(paired.token(), HttpMethod.POST, "/api/tables", new JsonObject()
        .put("workspace_id", workspaceId).put("name", "Guest table")
        .put("columns", new JsonArray().add(new JsonObject().put("name", "c").put("column_type", "barcode")))));
    refused.put("POST pairing", send(paired.token(), HttpMethod.POST, t + "/pairings", new JsonObject().put("column_name", "code")));
    refused.put("GET pairings", send(paired.token(), HttpMethod.GET, t + "/pairings", null));
    refused.put("DELETE pairing", send(paired.token(), HttpMethod.DELETE, t + "/pairings/" + paired.pairingId(), null));

    refused.forEach((what, response) -> {
      assertThat(response.statusCode()).as("%s: %s", what, response.bodyAsString()).isEqualTo(403);
      assertThat(response.getHeader("Content-Type")).as(what).isEqualTo("application/problem+json");
    });
    assertThat(database.count("SELECT count(*) FROM workspaces WHERE created_by LIKE 'guest:%'")).isZero();
    assertThat(database.count("SELECT count(*) FROM data_tables WHERE created_by LIKE 'guest:%'")).isZero();
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE created_by LIKE 'guest:%'")).isZero();
    assertThat(database.count("SELECT count(*) FROM workspace_members WHERE user_id = 'eve'")).isZero();
    assertThat(database.count("SELECT count(*) FROM pairings WHERE table_id = '" + paired.tableId() + "'")).isEqualTo(1);
    assertThat(database.text("SELECT revoked_at FROM pairings WHERE id = '" + paired.pairingId() + "'")).isNull();
    assertThat(database.text("SELECT data ->> 'name' FROM table_rows WHERE id = '" + rowId + "'")).isNull();

    String otherTable = fixtures.table().getString("id");
    fixtures.row(otherTable, new JsonObject().put("code", "GST-2"));
    HttpResponse<Buffer> scanElsewhere = send(paired.token(), HttpMethod.POST, "/api/scans", scan(otherTable, "code", "GST-2"));
    assertThat(scanElsewhere.statusCode()).as(scanElsewhere.bodyAsString()).isEqualTo(404);
    HttpResponse<Buffer> searchElsewhere = send(paired.token(), HttpMethod.GET,
        "/api/tables/" + otherTable + "/rows/search?column_name=code&value=GST-2", null);
    assertThat(searchElsewhere.statusCode()).as(searchElsewhere.bodyAsString()).isEqualTo(404);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + otherTable + "'")).isZero();
  }

  // ---------------------------------------------------------------- ending a pairing

  @Test
  void revokingEndsTheGuestTokenAtOnceAndTheCodeWithIt() {
    Paired paired = paired();
    HttpResponse<Buffer> before = send(paired.token(), HttpMethod.POST, "/api/scans", scan(paired.tableId(), "code", "R-1"));
    assertThat(before.statusCode()).as(before.bodyAsString()).isEqualTo(201);

    HttpResponse<Buffer> revoked = service.raw(HttpMethod.DELETE,
        "/api/tables/" + paired.tableId() + "/pairings/" + paired.pairingId(), null, null);
    assertThat(revoked.statusCode()).as(revoked.bodyAsString()).isEqualTo(204);

    HttpResponse<Buffer> after = send(paired.token(), HttpMethod.POST, "/api/scans", scan(paired.tableId(), "code", "R-2"));
    assertThat(after.statusCode()).as(after.bodyAsString()).isEqualTo(401);
    assertThat(after.getHeader("WWW-Authenticate")).startsWith("Bearer").contains("error=\"invalid_token\"");
    HttpResponse<Buffer> search = send(paired.token(), HttpMethod.GET,
        "/api/tables/" + paired.tableId() + "/rows/search?column_name=code&value=R-1", null);
    assertThat(search.statusCode()).as(search.bodyAsString()).isEqualTo(401);
    // A batch answers per item (openapi BatchResultItem, security.md): 200, the item 401.
    HttpResponse<Buffer> batch = send(paired.token(), HttpMethod.POST, "/api/scans/batch",
        new JsonObject().put("scans", new JsonArray().add(scan(paired.tableId(), "code", "R-4"))));
    assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(200);
    assertThat(batch.bodyAsJsonObject().getJsonArray("results").getJsonObject(0).getInteger("status")).isEqualTo(401);
    ReplyException overTheBus = busFailure(Addresses.SCANS_RECORD, scan(paired.tableId(), "code", "R-3"), paired.token());
    assertThat(overTheBus.failureCode()).isEqualTo(401);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE pairing_id = '" + paired.pairingId() + "'")).isEqualTo(1);

    HttpResponse<Buffer> claimedAgain = claim(paired.code());
    assertThat(claimedAgain.statusCode()).as(claimedAgain.bodyAsString()).isEqualTo(410);
    assertThat(claimedAgain.bodyAsJsonObject().getString("detail")).contains("revoked");

    JsonObject listed = onlyPairing(paired.tableId());
    assertThat(listed.getString("status")).isEqualTo("revoked");
    assertThat(listed.getString("revoked_at")).isNotNull();
    assertThat(listed.getInteger("claims")).isEqualTo(1);

    HttpResponse<Buffer> again = service.raw(HttpMethod.DELETE,
        "/api/tables/" + paired.tableId() + "/pairings/" + paired.pairingId(), null, null);
    assertThat(again.statusCode()).as("revoking twice is harmless: %s", again.bodyAsString()).isEqualTo(204);
    assertThat(onlyPairing(paired.tableId()).getString("revoked_at")).isEqualTo(listed.getString("revoked_at"));
    HttpResponse<Buffer> unknown = service.raw(HttpMethod.DELETE,
        "/api/tables/" + paired.tableId() + "/pairings/" + UUID.randomUUID(), null, null);
    assertThat(unknown.statusCode()).as(unknown.bodyAsString()).isEqualTo(404);
  }

  @Test
  void anExpiredPairingEndsItsGuestTokenAndItsCode() {
    Paired paired = paired();
    HttpResponse<Buffer> before = send(paired.token(), HttpMethod.POST, "/api/scans", scan(paired.tableId(), "code", "E-1"));
    assertThat(before.statusCode()).as(before.bodyAsString()).isEqualTo(201);

    database.execute("UPDATE pairings SET expires_at = now() - interval '1 second' WHERE id = '" + paired.pairingId() + "'");

    HttpResponse<Buffer> after = send(paired.token(), HttpMethod.POST, "/api/scans", scan(paired.tableId(), "code", "E-2"));
    assertThat(after.statusCode()).as(after.bodyAsString()).isEqualTo(401);
    assertThat(after.getHeader("WWW-Authenticate")).startsWith("Bearer").contains("error=\"invalid_token\"");
    HttpResponse<Buffer> claimed = claim(paired.code());
    assertThat(claimed.statusCode()).as(claimed.bodyAsString()).isEqualTo(410);
    assertThat(claimed.bodyAsJsonObject().getString("detail")).contains("expired");
    assertThat(onlyPairing(paired.tableId()).getString("status")).isEqualTo("expired");
    assertThat(database.count("SELECT claims FROM pairings WHERE id = '" + paired.pairingId() + "'")).isEqualTo(1);
  }

  @Test
  void aGuestTokenPastItsOwnExpiryIsRefused() {
    Paired paired = paired();
    long past = Instant.now().minus(Duration.ofHours(1)).getEpochSecond();
    String expired = Tokens.hs256(guestClaims(paired).put("exp", past).put("iat", past - 60), Tokens.GUEST_SECRET);

    HttpResponse<Buffer> refused = send(expired, HttpMethod.POST, "/api/scans", scan(paired.tableId(), "code", "X-1"));

    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(401);
    assertThat(refused.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertThat(refused.bodyAsJsonObject().getString("detail")).contains("expired");
    HttpResponse<Buffer> stillValid = send(Tokens.hs256(guestClaims(paired), Tokens.GUEST_SECRET), HttpMethod.POST, "/api/scans",
        scan(paired.tableId(), "code", "X-1"));
    assertThat(stillValid.statusCode()).as("the same claims, unexpired: %s", stillValid.bodyAsString()).isEqualTo(201);
  }

  // ---------------------------------------------------------------- wrong codes

  @Test
  void wrongSecretsForOneSelectorLockThePairing() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject pairing = open(tableId, new JsonObject().put("column_name", "code"));
    String code = pairing.getString("code");
    int maxFailedClaims = service.config().auth().pairing().maxFailedClaims();
    assertThat(maxFailedClaims).isEqualTo(5);

    for (int i = 0; i < maxFailedClaims; i++) {
      HttpResponse<Buffer> wrong = claim(withLastCharacter(code, i));
      assertThat(wrong.statusCode()).as("wrong secret %d: %s", i + 1, wrong.bodyAsString()).isEqualTo(404);
    }
    assertThat(database.count("SELECT failed_claims FROM pairings WHERE id = '" + pairing.getString("id") + "'"))
        .isEqualTo(maxFailedClaims);

    HttpResponse<Buffer> right = claim(code);
    assertThat(right.statusCode()).as(right.bodyAsString()).isEqualTo(410);
    assertThat(right.bodyAsJsonObject().getString("detail")).contains("locked");
    assertThat(right.bodyAsString()).doesNotContain("token\"");

    JsonObject listed = onlyPairing(tableId);
    assertThat(listed.getString("status")).isEqualTo("locked");
    assertThat(listed.getInteger("failed_claims")).isEqualTo(maxFailedClaims);
    assertThat(listed.getInteger("claims")).isZero();
    assertThat(listed.getString("last_claimed_at")).isNull();
  }

  @Test
  void wrongSecretsOneShortOfTheLimitLeaveThePairingOpen() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject pairing = open(tableId, new JsonObject().put("column_name", "code"));
    String code = pairing.getString("code");
    int maxFailedClaims = service.config().auth().pairing().maxFailedClaims();

    for (int i = 0; i < maxFailedClaims - 1; i++) {
      assertThat(claim(withLastCharacter(code, i)).statusCode()).isEqualTo(404);
    }
    HttpResponse<Buffer> right = claim(code);
    assertThat(right.statusCode()).as(right.bodyAsString()).isEqualTo(201);
    assertThat(onlyPairing(tableId).getString("status")).isEqualTo("active");
  }

  @Test
  void everyKindOfWrongCodeGetsTheSameAnswer() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject pairing = open(tableId, new JsonObject().put("column_name", "code"));
    String code = pairing.getString("code");
    String canonical = code.replace("-", "");
    String unusedSelector = unusedSelector();

    HttpResponse<Buffer> wrongSecret = claim(withLastCharacter(code, 0));
    HttpResponse<Buffer> wrongSelector = claim(unusedSelector + canonical.substring(5));
    HttpResponse<Buffer> notACode = claim("HELLO-WORLD!");
    HttpResponse<Buffer> tooShort = claim(canonical.substring(0, 11));

    for (HttpResponse<Buffer> each : List.of(wrongSecret, wrongSelector, notACode, tooShort)) {
      assertThat(each.statusCode()).as(each.bodyAsString()).isEqualTo(404);
      assertThat(each.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(each.bodyAsJsonObject()).isEqualTo(wrongSecret.bodyAsJsonObject());
    }
    assertThat(wrongSecret.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("type", "title", "status", "detail", "instance");

    // Only the holder of the whole code hears that a pairing ended: a wrong secret for a
    // revoked pairing is as unknown as any other.
    assertThat(service.raw(HttpMethod.DELETE, "/api/tables/" + tableId + "/pairings/" + pairing.getString("id"), null, null)
        .statusCode()).isEqualTo(204);
    HttpResponse<Buffer> wrongSecretOfRevoked = claim(withLastCharacter(code, 1));
    assertThat(wrongSecretOfRevoked.statusCode()).isEqualTo(404);
    assertThat(wrongSecretOfRevoked.bodyAsJsonObject()).isEqualTo(wrongSecret.bodyAsJsonObject());
    assertThat(claim(code).statusCode()).isEqualTo(410);
  }

  @Test
  void theDatabaseKeepsOnlyTheSelectorAndTheHashOfTheSecret() throws NoSuchAlgorithmException {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    List<JsonObject> opened = IntStream.range(0, 3)
        .mapToObj(i -> open(tableId, new JsonObject().put("column_name", "code").put("label", "phone " + i)))
        .toList();
    assertThat(claim(opened.get(0).getString("code")).statusCode()).as("claimed: the claim stores nothing of the code either").isEqualTo(201);

    String everything = database.text("SELECT string_agg(row_to_json(p)::text, E'\\n') FROM pairings p");
    assertThat(everything).contains(opened.get(0).getString("id"));
    for (JsonObject pairing : opened) {
      String code = pairing.getString("code");
      String canonical = code.replace("-", "");
      String selector = canonical.substring(0, 5);
      String secret = canonical.substring(5);
      assertThat(everything).doesNotContain(canonical).doesNotContain(code).doesNotContain(secret)
          .doesNotContain(secret.toLowerCase(Locale.ROOT));
      String where = " FROM pairings WHERE id = '" + pairing.getString("id") + "'";
      assertThat(database.text("SELECT selector" + where)).isEqualTo(selector);
      assertThat(database.count("SELECT octet_length(secret_hash)" + where)).isEqualTo(32);
      assertThat(database.text("SELECT encode(secret_hash, 'hex')" + where))
          .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8))));
    }
  }

  @Test
  void twoHundredFreshPairingsHaveTwoHundredDistinctCodes() {
    String tableId = fixtures.table().getString("id");
    List<Future<HttpResponse<Buffer>>> opening = IntStream.range(0, 200)
        .mapToObj(i -> service.client().post("/api/tables/" + tableId + "/pairings")
            .sendJsonObject(new JsonObject().put("column_name", "code")))
        .toList();
    Future.all(opening).await();

    Set<String> codes = new HashSet<>();
    Set<String> selectors = new HashSet<>();
    for (Future<HttpResponse<Buffer>> each : opening) {
      HttpResponse<Buffer> response = each.result();
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
      String code = response.bodyAsJsonObject().getString("code");
      assertThat(code).matches(CODE);
      codes.add(code);
      selectors.add(code.substring(0, 4) + code.charAt(5));
    }
    assertThat(codes).hasSize(200);
    assertThat(selectors).hasSize(200);
    assertThat(database.count("SELECT count(DISTINCT selector) FROM pairings WHERE table_id = '" + tableId + "'")).isEqualTo(200);
  }

  // ---------------------------------------------------------------- who may open pairings

  @Test
  void onlyOwnersAndEditorsOpenListAndRevokePairingsAndNonMembersSeeNoTable() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String workspaceId = table.getString("workspace_id");
    addMember(workspaceId, "alice", "viewer");
    addMember(workspaceId, "carol", "scanner");
    addMember(workspaceId, "dave", "editor");
    JsonObject ownersPairing = open(tableId, new JsonObject().put("column_name", "code"));
    String pairings = "/api/tables/" + tableId + "/pairings";
    JsonObject body = new JsonObject().put("column_name", "code");

    for (String user : List.of("alice", "carol")) {
      String token = Tokens.user(user);
      assertThat(send(token, HttpMethod.POST, pairings, body).statusCode()).as("%s opens", user).isEqualTo(403);
      assertThat(send(token, HttpMethod.GET, pairings, null).statusCode()).as("%s lists", user).isEqualTo(403);
      assertThat(send(token, HttpMethod.DELETE, pairings + "/" + ownersPairing.getString("id"), null).statusCode())
          .as("%s revokes", user).isEqualTo(403);
    }
    String bob = Tokens.user("bob");
    HttpResponse<Buffer> bobOpens = send(bob, HttpMethod.POST, pairings, body);
    assertThat(bobOpens.statusCode()).as(bobOpens.bodyAsString()).isEqualTo(404);
    assertThat(send(bob, HttpMethod.GET, pairings, null).statusCode()).isEqualTo(404);
    assertThat(send(bob, HttpMethod.DELETE, pairings + "/" + ownersPairing.getString("id"), null).statusCode()).isEqualTo(404);
    assertThat(database.text("SELECT revoked_at FROM pairings WHERE id = '" + ownersPairing.getString("id") + "'")).isNull();
    assertThat(database.count("SELECT count(*) FROM pairings WHERE table_id = '" + tableId + "'")).isEqualTo(1);

    HttpResponse<Buffer> daveOpens = send(Tokens.user("dave"), HttpMethod.POST, pairings, body);
    assertThat(daveOpens.statusCode()).as(daveOpens.bodyAsString()).isEqualTo(201);
    assertThat(daveOpens.bodyAsJsonObject().getString("created_by")).isEqualTo("dave");
    HttpResponse<Buffer> daveLists = send(Tokens.user("dave"), HttpMethod.GET, pairings, null);
    assertThat(daveLists.statusCode()).isEqualTo(200);
    assertThat(daveLists.bodyAsJsonObject().getJsonArray("pairings")).hasSize(2);
  }

  // ---------------------------------------------------------------- event bus and forged tokens

  @Test
  void aGuestScansOverTheEventBusOnItsColumnOnly() {
    Paired paired = paired();
    JsonObject row = fixtures.row(paired.tableId(), new JsonObject().put("code", "BUS-1").put("gtin", "4006381333931"));

    JsonObject recorded = service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_RECORD,
        scan(paired.tableId(), "code", "BUS-1"), guestDelivery(paired.token())).await().body();

    assertThat(recorded.getBoolean("created")).isTrue();
    JsonObject scan = recorded.getJsonObject("scan");
    assertThat(scan.getString("created_by")).isEqualTo("guest:" + paired.pairingId());
    assertThat(scan.getString("pairing_id")).isEqualTo(paired.pairingId());
    assertThat(scan.getJsonArray("matched_row_ids")).containsExactly(row.getString("id"));
    assertThat(scan.getJsonObject("metadata").getJsonObject("guest").getString("scanner_email")).isEqualTo(SCANNER_EMAIL);

    JsonObject looked = service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_LOOKUP,
        scan(paired.tableId(), "code", "bus-1"), guestDelivery(paired.token())).await().body();
    assertThat(looked.getJsonArray("rows")).hasSize(1);

    ReplyException otherColumn = busFailure(Addresses.SCANS_RECORD, scan(paired.tableId(), "gtin", "4006381333931"), paired.token());
    assertThat(otherColumn.failureCode()).isEqualTo(403);
    ReplyException otherLookup = busFailure(Addresses.SCANS_LOOKUP, scan(paired.tableId(), "gtin", "4006381333931"), paired.token());
    assertThat(otherLookup.failureCode()).isEqualTo(403);
    JsonArray batch = service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_RECORD_BATCH,
        new JsonObject().put("scans", new JsonArray()
            .add(scan(paired.tableId(), "gtin", "4006381333931"))
            .add(scan(paired.tableId(), "code", "BUS-1"))),
        guestDelivery(paired.token())).await().body().getJsonArray("results");
    assertThat(batch.getJsonObject(0).getInteger("status")).isEqualTo(403);
    assertThat(batch.getJsonObject(1).getInteger("status")).isEqualTo(201);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE column_id = '" + paired.columnId("gtin") + "'")).isZero();
  }

  @Test
  void forgedGuestTokensAreRefused() {
    Paired paired = paired();
    JsonObject claims = guestClaims(paired);
    String wrongKey = Tokens.hs256(claims, "not-the-guest-secret-0123456789abcdef-xyz");
    String userKey = Tokens.hs256(claims, Tokens.USER_SECRET);
    String unsigned = Tokens.unsigned(claims);
    String userCallingItselfAGuest = Tokens.hs256(Tokens.claims("guest:" + paired.pairingId()), Tokens.USER_SECRET);

    for (String forged : List.of(wrongKey, userKey, unsigned, userCallingItselfAGuest)) {
      HttpResponse<Buffer> refused = send(forged, HttpMethod.POST, "/api/scans", scan(paired.tableId(), "code", "F-1"));
      assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(401);
      assertThat(refused.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
      assertThat(busFailure(Addresses.SCANS_RECORD, scan(paired.tableId(), "code", "F-1"), forged).failureCode()).isEqualTo(401);
    }
    ReplyException noCredential = catchReply(() -> service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_RECORD,
        scan(paired.tableId(), "code", "F-1"), new DeliveryOptions().setSendTimeout(5_000)).await());
    assertThat(noCredential).isNotNull();
    assertThat(noCredential.failureCode()).isEqualTo(401);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + paired.tableId() + "'")).isZero();

    HttpResponse<Buffer> genuine = send(paired.token(), HttpMethod.POST, "/api/scans", scan(paired.tableId(), "code", "F-1"));
    assertThat(genuine.statusCode()).as("the claimed token itself works: %s", genuine.bodyAsString()).isEqualTo(201);
  }

  // ---------------------------------------------------------------- helpers

  private Paired paired() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject pairing = open(tableId, new JsonObject().put("column_name", "code"));
    HttpResponse<Buffer> claimed = claim(pairing.getString("code"));
    assertThat(claimed.statusCode()).as(claimed.bodyAsString()).isEqualTo(201);
    return new Paired(table, tableId, pairing.getString("id"), pairing.getString("code"), claimed.bodyAsJsonObject().getString("token"));
  }

  private JsonObject open(String tableId, JsonObject body) {
    HttpResponse<Buffer> opened = service.post("/api/tables/" + tableId + "/pairings", body);
    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(201);
    return opened.bodyAsJsonObject();
  }

  private JsonObject onlyPairing(String tableId) {
    HttpResponse<Buffer> listed = service.get("/api/tables/" + tableId + "/pairings");
    assertThat(listed.statusCode()).as(listed.bodyAsString()).isEqualTo(200);
    JsonArray pairings = listed.bodyAsJsonObject().getJsonArray("pairings");
    assertThat(pairings).hasSize(1);
    return pairings.getJsonObject(0);
  }

  private void addMember(String workspaceId, String userId, String role) {
    HttpResponse<Buffer> added = service.client().put("/api/workspaces/" + workspaceId + "/members/" + userId)
        .sendJsonObject(new JsonObject().put("role", role)).await();
    assertThat(added.statusCode()).as(added.bodyAsString()).isEqualTo(201);
  }

  /** A claim as a phone sends it: no token. */
  private HttpResponse<Buffer> claim(String code) {
    return send(null, HttpMethod.POST, "/api/pairings/claim", new JsonObject()
        .put("code", code).put("scanner_name", SCANNER_NAME).put("scanner_email", SCANNER_EMAIL));
  }

  /** One request with {@code token} (null: none) on a client of its own. */
  private HttpResponse<Buffer> send(String token, HttpMethod method, String path, JsonObject body) {
    WebClient client = service.clientWithToken(token);
    try {
      var request = client.request(method, path);
      return (body == null ? request.send() : request.sendJsonObject(body)).await();
    } finally {
      client.close();
    }
  }

  /** The claims of the guest token the service issued for {@code paired}, as a forger would copy them. */
  private static JsonObject guestClaims(Paired paired) {
    long now = Instant.now().getEpochSecond();
    return new JsonObject()
        .put("sub", "guest:" + paired.pairingId())
        .put("aud", new JsonArray().add("matic-scan:guest"))
        .put("iss", "matic-scan")
        .put("iat", now)
        .put("exp", now + 3600)
        .put("pairing_id", paired.pairingId())
        .put("table_id", paired.tableId())
        .put("column_id", paired.columnId("code"))
        .put("scanner_name", "Forger");
  }

  private static DeliveryOptions guestDelivery(String token) {
    return new DeliveryOptions().setSendTimeout(5_000).addHeader(Addresses.AUTHORIZATION, Tokens.bearer(token));
  }

  private ReplyException busFailure(String address, JsonObject body, String token) {
    ReplyException failure = catchReply(() -> service.vertx().eventBus().<JsonObject>request(address, body, guestDelivery(token)).await());
    assertThat(failure).as("%s should have failed", address).isNotNull();
    return failure;
  }

  /** The ReplyException a bus request failed with, or null when it succeeded. */
  private static ReplyException catchReply(Runnable request) {
    Throwable thrown = catchThrowable(request::run);
    if (thrown == null) {
      return null;
    }
    assertThat(thrown).isInstanceOf(ReplyException.class);
    return (ReplyException) thrown;
  }

  /** {@code code} with its last character replaced by another one of the alphabet (the n-th such). */
  private static String withLastCharacter(String code, int n) {
    char last = code.charAt(code.length() - 1);
    String others = ALPHABET.replace(String.valueOf(last), "");
    return code.substring(0, code.length() - 1) + others.charAt(n % others.length());
  }

  /** A selector no pairing of this database has. */
  private String unusedSelector() {
    while (true) {
      StringBuilder selector = new StringBuilder();
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < 5; i++) {
        selector.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      if (database.count("SELECT count(*) FROM pairings WHERE selector = '" + selector + "'") == 0) {
        return selector.toString();
      }
    }
  }

  private static List<String> fields(HttpResponse<Buffer> problem) {
    JsonArray errors = problem.bodyAsJsonObject().getJsonArray("errors", new JsonArray());
    return errors.stream().map(error -> ((JsonObject) error).getString("field")).toList();
  }
}
