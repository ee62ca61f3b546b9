package com.maticsapp.scan.contract;

import io.vertx.core.json.JsonObject;

import java.util.regex.Pattern;

/** {@code {name, slug}}; the slug is lower-case letters, digits and single hyphens. */
public record CreateWorkspace(String name, String slug) {

  private static final Pattern SLUG = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

  public static CreateWorkspace parse(JsonObject json) {
    Fields fields = Fields.of(json);
    String name = fields.string("name", true, 200);
    String slug = fields.string("slug", true, 64);
    if (slug != null && !SLUG.matcher(slug).matches()) {
      fields.error("slug", "must be lower-case letters and digits separated by single hyphens");
    }
    fields.throwIfInvalid();
    return new CreateWorkspace(name.strip(), slug);
  }
}
