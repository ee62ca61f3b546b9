package com.maticsapp.scan.web;

import com.google.zxing.BarcodeFormat;
import com.maticsapp.scan.support.Browser;
import com.maticsapp.scan.support.FakeCamera;
import com.maticsapp.scan.support.FakeCamera.Shot;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import com.maticsapp.scan.support.RunningService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web client in a real Chromium against the real service: the desk pairs a phone with a QR
 * code, the phone claims it and scans with a fake camera filming real barcodes (an EAN-13 and a
 * QR code drawn by ZXing), by keyboard wedge, and offline through a reload; a revoked pairing
 * stops the phone. Screenshots land in target/screenshots.
 */
@Tag("browser")
class WebClientTest extends ServiceTest {

  private static final String ADA = "4006381333931"; // EAN-13
  private static final String GRACE = "TICKET-0002";   // QR code
  private static final String KATHERINE = "TICKET-0003";

  private String base;
  private String tableId;
  private String deskUrl;

  @TempDir
  Path temp;

  @BeforeAll
  void table() {
    base = "http://127.0.0.1:" + service.port();
    JsonObject table = fixtures.table();
    tableId = table.getString("id");
    // A ticket checks in once (docs/scan-rules.md): a second scan of it is refused.
    HttpResponse<Buffer> once = service.patch("/api/tables/" + tableId + "/columns/" + Fixtures.columnId(table, "code"),
        new JsonObject().put("settings", new JsonObject().put("mode", "once")));
    assertThat(once.statusCode()).as(once.bodyAsString()).isEqualTo(200);
    fixtures.row(tableId, new JsonObject().put("code", ADA).put("name", "Ada Lovelace"));
    fixtures.row(tableId, new JsonObject().put("code", GRACE).put("name", "Grace Hopper"));
    fixtures.row(tableId, new JsonObject().put("code", KATHERINE).put("name", "Katherine Johnson"));
    for (int i = 1; i <= 5; i++) {
      fixtures.row(tableId, new JsonObject().put("code", "OFF-" + i).put("name", "Offline guest " + i));
    }
    // The Supabase-style redirect: the desk takes the token from the fragment.
    deskUrl = base + "/desk?table=" + tableId + "#access_token=" + Tokens.user(RunningService.USER);
  }

  @Test
  void theDeskPairsAPhoneThatScansByCameraAndTheDeskSeesEveryScanLive() {
    Path video = FakeCamera.write(temp.resolve("door.y4m"), List.of(
        new Shot(BarcodeFormat.EAN_13, ADA, 2, 1),
        new Shot(BarcodeFormat.QR_CODE, GRACE, 2, 5)));
    try (Browser desk = Browser.desk(); Browser phone = Browser.phone(video)) {
      desk.open(deskUrl);
      desk.text("#stream-state", "live");
      assertThat(desk.driver().getCurrentUrl()).as("the token leaves the address bar").doesNotContain("access_token");

      desk.find("#pair-button").click();
      String code = desk.visible("#pair-code").getText();
      assertThat(code).matches("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}");
      String claimUrl = desk.find("#pair-url").getText();
      String fromQr = FakeCamera.readQrCode(desk.screenshot("desk-pairing"));
      assertThat(fromQr).as("the QR code on the desk's screen").isEqualTo(claimUrl).endsWith("/pair?code=" + code);

      phone.open(fromQr);
      assertThat(phone.find("#claim-code").getAttribute("value")).isEqualTo(code);
      phone.find("#claim-name").sendKeys("Door 1");
      phone.find("#claim-submit").click();
      phone.visible("#scanner");
      assertThat(phone.driver().getCurrentUrl()).as("the code leaves the address bar").isEqualTo(base + "/pair");

      // The camera films Ada's EAN-13 first: green, with her row's cells.
      phone.text("#camera-state", "Camera on");
      phone.waitFor("a camera scan shown green", d -> phone.find("#result").isDisplayed()
          && phone.find("#result").getAttribute("class").contains("ok"));
      assertThat(phone.find("#result-cells").getAttribute("textContent")).containsAnyOf("Ada Lovelace", "Grace Hopper");
      phone.screenshot("phone-green");

      // The desk's feed shows both camera scans (the EAN-13 and the QR code) as they happen.
      desk.text("#feed", ADA);
      desk.text("#feed", GRACE);
      assertThat(Integer.parseInt(desk.find("#stat-accepted").getText())).isGreaterThanOrEqualTo(2);

      // A code held in view (2 s, ten frames, a dozen decodes) is recorded once, not per frame:
      // at most once per pass of the looping video (10 s) since the first.
      List<JsonObject> camera = scans().stream().filter(s -> List.of(ADA, GRACE).contains(s.getString("barcode"))).toList();
      assertThat(camera.stream().filter(s -> s.getString("barcode").equals(ADA)).count()).isBetween(1L, 2L);
      assertThat(camera).allSatisfy(s -> assertThat(s.getString("source")).isEqualTo("web-camera"));

      // The camera keeps showing results over the page; its button is pressed from the script.
      phone.script("document.getElementById('camera-toggle').click()");
      phone.text("#camera-state", "Camera off");
      phone.waitFor("the result screen to clear", d -> !phone.find("#result").isDisplayed());

      // Ada's ticket again (a once column): red, already scanned, saying when and by whom.
      phone.typeIntoFocus(ADA + "\n");
      phone.waitFor("a second scan shown red", d -> phone.find("#result").isDisplayed()
          && phone.find("#result").getAttribute("class").contains("bad"));
      assertThat(phone.find("#result-reason").getAttribute("textContent")).contains("Already scanned at").contains("Door 1");
      phone.screenshot("phone-red");
      desk.text("#feed", "Already scanned at");
      desk.text("#stat-reasons", "already scanned: "); // the service's counts (other tests' scans too)
      phone.script("document.getElementById('result').click()");
      phone.waitFor("the result screen to clear", d -> !phone.find("#result").isDisplayed());

      // A code that is not in the table: red, on the phone and on the desk.
      phone.typeIntoFocus("NOPE-404\n");
      phone.waitFor("an unknown code shown red", d -> phone.find("#result").isDisplayed()
          && phone.find("#result").getAttribute("class").contains("bad"));
      assertThat(phone.find("#result-reason").getAttribute("textContent")).contains("Not found");
      desk.text("#feed", "NOPE-404");
      desk.text("#stat-reasons", "not found: ");

      // Undo from the phone: its last accepted scan (Grace's, by camera) is taken back.
      phone.script("document.getElementById('result').click()");
      phone.find("#undo").click();
      phone.text("#result-title", "UNDONE");
      phone.waitFor("Grace's scan undone", d -> scans().stream()
          .anyMatch(scan -> scan.getString("barcode").equals(GRACE) && scan.getJsonObject("undo") != null));
      // The desk sees the phone's undo live (the stream's undone event), and the door's numbers
      // it changed (the stream's status events; the desk asks for nothing).
      String graceScan = scans().stream().filter(scan -> scan.getString("barcode").equals(GRACE) && scan.getJsonObject("undo") != null)
          .findFirst().orElseThrow().getString("id");
      desk.visible("#feed li[data-id='" + graceScan + "'][data-decision='undone']");
      JsonObject numbers = doorNumbers();
      desk.waitFor("the desk's numbers are the service's after the undo", d ->
          desk.find("#stat-accepted").getText().equals(String.valueOf(numbers.getLong("accepted")))
              && desk.find("#stat-refused").getText().equals(String.valueOf(numbers.getLong("refused"))));
      assertThat(desk.find("#stat-conflicts").isDisplayed()).isTrue();
      // The phone that scanned is listed with the table's devices.
      desk.text("#device-list", "guest");
      desk.screenshot("desk");
    }
  }

  @Test
  void theDeskListsThePhonesAndRevokingOneStopsThatPhoneOnly() {
    fixtures.row(tableId, new JsonObject().put("code", "DEV-1").put("name", "Device one"));
    fixtures.row(tableId, new JsonObject().put("code", "DEV-2").put("name", "Device two"));
    try (Browser desk = Browser.desk(); Browser first = claimedPhone("Gate A"); Browser second = claimedPhone("Gate B")) {
      desk.open(deskUrl);
      desk.text("#stream-state", "live");
      first.typeIntoFocus("DEV-1\n");
      first.waitFor("a scan shown green", d -> first.find("#result").isDisplayed()
          && first.find("#result").getAttribute("class").contains("ok"));
      desk.text("#feed", "DEV-1");

      // Both phones are listed (their claims recorded them), each with its own revoke.
      JsonArray devices = service.get("/api/tables/" + tableId + "/devices").bodyAsJsonObject().getJsonArray("devices");
      String firstDevice = devices.stream().map(JsonObject.class::cast).filter(d -> "Gate A".equals(pairingLabel(d)))
          .findFirst().orElseThrow().getString("device_id");
      desk.visible("#device-list li[data-id='" + firstDevice + "'][data-status='active']");
      desk.waitFor("the first phone's scan counted on its device", d ->
          desk.find("#device-list li[data-id='" + firstDevice + "']").getText().contains("1 scan"));
      desk.find("#device-list li[data-id='" + firstDevice + "'] button.revoke").click();
      desk.visible("#device-list li[data-id='" + firstDevice + "'][data-status='revoked']");
      desk.screenshot("desk-devices");

      // The revoked phone is told at its next request; the other phone of the table keeps scanning.
      first.script("document.getElementById('result').click()");
      first.typeIntoFocus("DEV-2\n");
      first.visible("#ended");
      assertThat(first.find("#ended-reason").getText()).contains("revoked");
      second.typeIntoFocus("DEV-2\n");
      second.waitFor("the other phone's scan shown green", d -> second.find("#result").isDisplayed()
          && second.find("#result").getAttribute("class").contains("ok"));
      desk.text("#feed", "DEV-2");
    }
  }

  /** The label of the pairing a device claimed (the devices list names the pairing, the pairings list its label). */
  private String pairingLabel(JsonObject device) {
    JsonArray pairings = service.get("/api/tables/" + tableId + "/pairings").bodyAsJsonObject().getJsonArray("pairings");
    return pairings.stream().map(JsonObject.class::cast).filter(p -> p.getString("id").equals(device.getString("pairing_id")))
        .map(p -> p.getString("label")).findFirst().orElse(null);
  }

  /** The door's numbers of the "code" column, as the service counts them. */
  private JsonObject doorNumbers() {
    String column = Fixtures.columnId(service.get("/api/tables/" + tableId).bodyAsJsonObject(), "code");
    HttpResponse<Buffer> status = service.get("/api/tables/" + tableId + "/scan-status?column_id=" + column);
    assertThat(status.statusCode()).as(status.bodyAsString()).isEqualTo(200);
    return status.bodyAsJsonObject();
  }

  @Test
  void aKeyboardWedgeScannerTypesIntoThePageWithoutTouchingIt() {
    try (Browser phone = claimedPhone("Wedge")) {
      // Nothing is clicked: the scanner types into whatever has the focus, then Enter.
      phone.typeIntoFocus(KATHERINE + "\n");
      phone.waitFor("a wedge scan shown green", d -> phone.find("#result").isDisplayed()
          && phone.find("#result").getAttribute("class").contains("ok"));
      assertThat(phone.find("#result-cells").getAttribute("textContent")).contains("Katherine Johnson");
      JsonObject recorded = scans().stream().filter(s -> s.getString("barcode").equals(KATHERINE)).findFirst().orElseThrow();
      assertThat(recorded.getString("source")).isEqualTo("web-keyboard");
      assertThat(recorded.getString("status")).isEqualTo("success");
    }
  }

  @Test
  void offlineScansAreDecidedOnThePhoneQueuedThroughAReloadAndSyncedOnceEach() {
    try (Browser phone = claimedPhone("Door offline")) {
      phone.waitFor("the service worker controls the page",
          d -> Boolean.TRUE.equals(phone.script("return navigator.serviceWorker.controller !== null")));
      phone.text("#copy-state", "Offline copy: ");
      phone.script("document.getElementById('camera-toggle').click()");
      phone.offline(true);
      phone.text("#connection", "Offline");

      // Decided on the phone from its copy of the column, with the shared rules.
      for (int i = 1; i <= 3; i++) {
        scanOffline(phone, "OFF-" + i, "ok");
        phone.text("#queue-size", Integer.toString(i));
      }
      scanOffline(phone, "OFF-1", "bad"); // once: the copy knows it was just accepted
      assertThat(phone.find("#result-reason").getAttribute("textContent")).contains("Already scanned").contains("decided offline");
      phone.text("#queue-size", "4");
      phone.script("document.getElementById('result').hidden = true");
      phone.screenshot("phone-offline-queue");

      // Meanwhile another door checks OFF-5 in; this phone cannot know.
      HttpResponse<Buffer> elsewhere = service.post("/api/scans", Fixtures.scan(tableId, "code", "OFF-5"));
      assertThat(elsewhere.statusCode()).as(elsewhere.bodyAsString()).isEqualTo(201);

      // Reloaded while offline (the service worker serves the page): the queue is still there.
      phone.driver().navigate().refresh();
      phone.visible("#scanner");
      phone.text("#queue-size", "4");
      phone.text("#connection", "Offline");
      scanOffline(phone, "OFF-4", "ok");
      scanOffline(phone, "OFF-5", "ok");
      phone.text("#queue-size", "6");
      assertThat(phoneScans()).as("nothing reached the service while offline").isEmpty();

      phone.offline(false);
      phone.text("#connection", "Online");
      phone.text("#queue-size", "0");
      // The door's decisions stand; OFF-5, let in twice, is a conflict, and the phone says so.
      phone.text("#conflict-count", "1 conflict");
      phone.text("#recent-list", "conflict");
      phone.screenshot("phone-conflict");
      // The desk shows the service's count of conflicts, and the conflict in its feed.
      assertThat(doorNumbers().getLong("conflicts")).isEqualTo(1);
      try (Browser desk = Browser.desk()) {
        desk.open(deskUrl);
        desk.text("#stream-state", "live");
        desk.text("#device-list", "Door offline");
        desk.waitFor("the desk shows the service's conflicts", d -> desk.find("#stat-conflicts").getText().equals("1"));
        desk.text("#feed", "CONFLICT");
        desk.screenshot("desk-conflict");
      }

      List<JsonObject> synced = phoneScans();
      assertThat(synced).hasSize(6);
      assertThat(synced.stream().map(s -> s.getString("id")).distinct()).hasSize(6);
      assertThat(synced.stream().map(s -> s.getString("barcode") + " " + s.getString("decision")).sorted().toList())
          .containsExactly("OFF-1 accepted", "OFF-1 already_scanned", "OFF-2 accepted", "OFF-3 accepted",
              "OFF-4 accepted", "OFF-5 accepted");
      assertThat(synced).allSatisfy(scan -> assertThat(scan.getJsonObject("offline")).as("uploaded as decided offline").isNotNull());
      assertThat(synced.stream().filter(scan -> scan.getValue("conflict") != null).map(scan -> scan.getString("barcode")).toList())
          .containsExactly("OFF-5");
      assertThat(database.text("SELECT count(*) FROM scan_history WHERE barcode LIKE 'OFF-%'")).isEqualTo("7");
    }
  }

  /** A wedge scan while offline, and the colour the phone decided it with. */
  private static void scanOffline(Browser phone, String code, String kind) {
    phone.script("document.getElementById('result').hidden = true");
    phone.typeIntoFocus(code + "\n");
    phone.waitFor(code + " decided offline (" + kind + ")", d -> phone.find("#result").isDisplayed()
        && phone.find("#result").getAttribute("class").contains(kind));
  }

  @Test
  void aRevokedPairingTellsThePhoneItHasEnded() {
    try (Browser desk = Browser.desk()) {
      // Without ?table= the desk lists the caller's tables; picking one opens its door.
      desk.open(base + "/desk#access_token=" + Tokens.user(RunningService.USER));
      desk.text("#tables", "Inventory");
      desk.find("#tables a[href='/desk?table=" + tableId + "']").click();
      desk.text("#stream-state", "live");
      desk.find("#pair-label").sendKeys("Side door");
      desk.find("#pair-button").click();
      String claimUrl = desk.visible("#pair-url").getText();
      try (Browser phone = Browser.phone(null)) {
        claim(phone, claimUrl, "Side door");
        desk.text("#pairings", "Side door");
        desk.find("#pairings li[data-status='active'] button.revoke").click();
        desk.visible("#pairings li[data-status='revoked']");

        phone.typeIntoFocus(KATHERINE + "\n");
        phone.visible("#ended");
        assertThat(phone.find("#ended-reason").getText()).contains("revoked");
        phone.screenshot("phone-revoked");
      }
    }
  }

  @Test
  void theDeskImportsACsvShowingItsProgressAndExportsTheTable() throws Exception {
    Path csv = Files.writeString(temp.resolve("guests.csv"), "code,name\nIMP-1,Imported One\nIMP-2,Imported Two\n");
    try (Browser desk = Browser.desk()) {
      desk.open(deskUrl);
      desk.text("#stream-state", "live");
      desk.find("#import-file").sendKeys(csv.toAbsolutePath().toString());
      desk.find("#import-button").click();
      desk.visible("#import-status[data-status='succeeded']");
      assertThat(desk.find("#import-status").getText()).contains("2 inserted");
      HttpResponse<Buffer> found = service.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=IMP-2");
      assertThat(found.bodyAsJsonObject().getJsonArray("rows")).hasSize(1);

      // The door's numbers come from the service (scan-status), undo from the desk.
      HttpResponse<Buffer> scanned = service.post("/api/scans", Fixtures.scan(tableId, "code", "IMP-1"));
      assertThat(scanned.statusCode()).as(scanned.bodyAsString()).isEqualTo(201);
      String scanId = scanned.bodyAsJsonObject().getString("id");
      desk.find("#feed li[data-id='" + scanId + "'] button.undo").click();
      desk.visible("#feed li[data-id='" + scanId + "'][data-decision='undone']");
      JsonObject undone = scans().stream().filter(s -> s.getString("id").equals(scanId)).findFirst().orElseThrow();
      assertThat(undone.getJsonObject("undo")).isNotNull();
      desk.text("#stat-inside-label", "checked in");
      assertThat(desk.find("#stat-inside").getText()).matches("\\d+/\\d+");

      desk.find("#export-csv").click();
      Path exported = desk.downloads().resolve("Inventory.csv");
      desk.waitFor("the export downloaded", d -> Files.exists(exported));
      desk.waitFor("the export complete", d -> {
        try {
          return Files.readString(exported).contains("Imported Two");
        } catch (java.io.IOException e) {
          return false;
        }
      });
      assertThat(Files.readString(exported)).contains("Ada Lovelace", "IMP-1");
    }
  }

  @Test
  void pagesAndAssetsCarryAStrictPolicyAndCacheHeaders() {
    HttpResponse<Buffer> page = service.get("/pair");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    String policy = page.getHeader("Content-Security-Policy");
    assertThat(policy).contains("default-src 'none'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'")
        .doesNotContain("unsafe-inline").doesNotContain("http");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(page.getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(page.bodyAsString()).doesNotContain("<script>").contains("type=\"module\" src=\"/assets/phone-");

    String wasm = page.bodyAsString().replaceAll("(?s).*src=\"(/assets/phone-[^\"]+)\".*", "$1");
    HttpResponse<Buffer> script = service.get(wasm);
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.getHeader("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    assertThat(script.getHeader("Content-Type")).startsWith("text/javascript");
    String wasmPath = script.bodyAsString().replaceAll("(?s).*\"(/assets/zxing_reader-[0-9a-f]+\\.wasm)\".*", "$1");
    HttpResponse<Buffer> decoder = service.get(wasmPath);
    assertThat(decoder.statusCode()).as(wasmPath).isEqualTo(200);
    assertThat(decoder.getHeader("Content-Type")).isEqualTo("application/wasm");

    assertThat(service.get("/assets/..%2Fopenapi.yaml").statusCode()).isEqualTo(404);
    assertThat(service.get("/assets/unknown.js").statusCode()).isEqualTo(404);
    assertThat(service.get("/desk").statusCode()).isEqualTo(200);
    assertThat(service.get("/sw.js").getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(service.get("/manifest.webmanifest").bodyAsJsonObject().getString("start_url")).isEqualTo("/pair");
  }

  /** A phone that claimed a fresh pairing of the table's "code" column through the page. */
  private Browser claimedPhone(String name) {
    HttpResponse<Buffer> opened = service.post("/api/tables/" + tableId + "/pairings",
        new JsonObject().put("column_name", "code").put("label", name));
    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(201);
    Browser phone = Browser.phone(null);
    claim(phone, opened.bodyAsJsonObject().getString("claim_url"), name);
    return phone;
  }

  private static void claim(Browser phone, String claimUrl, String name) {
    phone.open(claimUrl);
    phone.find("#claim-name").sendKeys(name);
    phone.find("#claim-submit").click();
    phone.visible("#scanner");
    phone.waitFor("the barcode field has the focus",
        d -> "wedge".equals(phone.script("return document.activeElement && document.activeElement.id")));
  }

  private List<JsonObject> scans() {
    HttpResponse<Buffer> page = service.get("/api/scans?table_id=" + tableId + "&limit=500");
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    JsonArray scans = page.bodyAsJsonObject().getJsonArray("scans");
    return scans.stream().map(JsonObject.class::cast).toList();
  }

  /** The offline journey's scans sent by the phone (not the other door's). */
  private List<JsonObject> phoneScans() {
    return scans().stream().filter(s -> s.getString("barcode").startsWith("OFF-"))
        .filter(s -> "web-keyboard".equals(s.getString("source"))).toList();
  }
}
