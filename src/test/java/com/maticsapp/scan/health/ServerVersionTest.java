package com.maticsapp.scan.health;

import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The detailed health document names the server's version from the start, not only after a ping. */
class ServerVersionTest extends ServiceTest {

  @Test
  void theServerVersionIsKnownWhileTrafficIsTheOnlyEvidence() {
    fixtures.table(); // traffic: the next health answer rests on it, with no ping of its own
    JsonObject database = service.getManagement("/api/health/detailed").bodyAsJsonObject().getJsonObject("database");
    assertThat(database.getString("server_version"))
        .startsWith(this.database.count("SELECT current_setting('server_version_num')::int / 10000") + "."
            + this.database.count("SELECT current_setting('server_version_num')::int % 10000"));
  }
}
