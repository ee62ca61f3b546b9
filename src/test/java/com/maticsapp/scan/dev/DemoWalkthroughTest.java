package com.maticsapp.scan.dev;

import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The walkthrough the development server prints, run as a newcomer would: every command
 * pasted into a shell (with the code and guest token it printed before), against a service with
 * auth off as in development; and the demo found again on a second start.
 */
class DemoWalkthroughTest extends ServiceTest {

  @Override
  protected Map<String, String> environment() {
    return Map.of("AUTH_ENABLED", "false");
  }

  @Test
  void everyPrintedCommandWorksInOrderAndASecondStartFindsTheDemoAgain() throws Exception {
    String base = "http://127.0.0.1:" + service.port();
    WebClient http = RunningService.as(service.vertx(), service.port(), null);
    DemoWalkthrough first = DemoWalkthrough.seed(http, base);
    DemoWalkthrough again = DemoWalkthrough.seed(http, base);
    assertThat(again.tableId()).as("the second start finds the same demo table").isEqualTo(first.tableId());
    assertThat(database.count("SELECT count(*) FROM data_tables")).isEqualTo(1);
    String printed = again.render("http://127.0.0.1:9");
    assertThat(printed).contains("curl -N").contains("Authorization: Bearer").contains("/api/scans?table_id=");

    String code = null;
    String guestToken = null;
    List<DemoWalkthrough.Step> steps = again.steps();
    assertThat(steps).hasSize(10);
    for (DemoWalkthrough.Step step : steps) {
      assertThat(printed).contains(step.command());
      String command = step.command();
      if (code != null) {
        command = command.replace(DemoWalkthrough.CODE, code);
      }
      if (guestToken != null) {
        command = command.replace(DemoWalkthrough.GUEST_TOKEN, guestToken);
      }
      assertThat(command).doesNotContain("<");
      String answer = shell(step.streaming() ? command.replace("curl -N", "curl -N --max-time 3") : command);
      assertThat(step.answered()).as("step '%s' answered:%n%s", step.title(), answer).accepts(answer);
      if (answer.contains("\"code\":\"")) {
        code = new JsonObject(answer).getString("code");
      }
      if (answer.contains("\"token\":\"")) {
        guestToken = new JsonObject(answer).getString("token");
      }
    }
    assertThat(database.count("SELECT count(*) FROM scan_history")).as("the scan, its replay counted once, the guest's")
        .isEqualTo(2);
    http.close();
  }

  private static String shell(String command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return output.strip();
  }
}
