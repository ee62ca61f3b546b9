package com.maticsapp.scan.faults;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A statement that cannot finish: the client gets its answer at the route's deadline, and the
 * database work is cancelled by statement_timeout instead of running on.
 */
@Tag("faults")
class DeadlineTest {

  @Test
  void aStuckLookupAnswers504AtItsDeadlineAndTheStatementIsCancelled() throws Exception {
    try (TestDatabase database = TestDatabase.create();
         RunningService service = RunningService.start(database.url(), Map.of(
             "HTTP_LOOKUP_DEADLINE", "700ms", "DB_STATEMENT_TIMEOUT", "1500ms"))) {
      String tableId = new Fixtures(service).table().getString("id");
      String search = "/api/tables/" + tableId + "/rows/search?column_name=code&value=stuck";
      try (Connection blocker = database.connect()) {
        blocker.setAutoCommit(false);
        blocker.createStatement().execute("LOCK TABLE barcode_values IN ACCESS EXCLUSIVE MODE");

        long start = System.currentTimeMillis();
        HttpResponse<Buffer> stuck = service.get(search);
        long answeredAfter = System.currentTimeMillis() - start;
        assertThat(stuck.statusCode()).isEqualTo(504);
        assertThat(stuck.getHeader("Content-Type")).isEqualTo("application/problem+json");
        assertThat(answeredAfter).as("answered at the deadline, well before the statement timeout").isLessThan(1_400);

        String waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database.name()
            + "' AND application_name = 'matic-scan' AND wait_event_type = 'Lock'";
        assertThat(database.count(waiting)).as("the statement is still waiting on the lock after the 504").isPositive();
        long cancelledBy = System.currentTimeMillis() + 5_000;
        while (database.count(waiting) > 0 && System.currentTimeMillis() < cancelledBy) {
          Thread.sleep(100);
        }
        assertThat(database.count(waiting)).as("statement_timeout ended the stuck statement").isZero();
        blocker.rollback();
      }
      assertThat(service.get(search).statusCode()).isEqualTo(200);
    }
  }
}
