package com.maticsapp.scan.auth;

import com.maticsapp.scan.support.ServiceTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Roles from one source: the statements that decide access in SQL ask {@code matic_roles(…)}
 * (R__permissions.sql), which must grant exactly what {@link Permission#roles()} grants, and
 * no statement may spell out a role list of its own.
 */
class PermissionSqlTest extends ServiceTest {

  /** Two role names in a row: a list of roles written into a statement. */
  private static final Pattern ROLE_LIST =
      Pattern.compile("'(owner|editor|scanner|viewer)'\\s*,\\s*'(owner|editor|scanner|viewer)'");

  @Test
  void theSqlFunctionGrantsWhatPermissionGrants() {
    for (Permission permission : Permission.values()) {
      String granted = database.text("SELECT array_to_string(matic_roles('" + permission.name().toLowerCase(Locale.ROOT) + "'), ',')");
      assertThat(granted).as(permission.name()).isEqualTo(String.join(",", permission.roles()));
    }
  }

  @Test
  void noStatementWritesItsOwnRoleList() throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
      sources = files.filter(path -> path.toString().endsWith(".java")).toList();
    }
    for (Path source : sources) {
      assertThat(ROLE_LIST.matcher(Files.readString(source)).find())
          .as("%s spells out a list of roles; use matic_roles('<permission>') or bind Permission.roles()", source)
          .isFalse();
    }
  }
}
