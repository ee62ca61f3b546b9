package com.maticsapp.scan.http;

import com.maticsapp.scan.support.Browser;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Swagger UI at /api/docs: the page and its files carry the web client's Content-Security-Policy,
 * the page has no inline script or style, only the named files are served, and a real Chromium
 * under that policy renders the document's operations (a blocked script would render nothing).
 */
class ApiDocsTest extends ServiceTest {

  /** A script element without src, an inline event handler or a style attribute. */
  private static final Pattern INLINE = Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>|\\son[a-z]+=|\\sstyle=");

  @Test
  void thePageAndItsFilesCarryThePolicyAndNoInlineScript() {
    HttpResponse<Buffer> page = service.get("/api/docs");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.getHeader("Content-Security-Policy")).isEqualTo(WebRoutes.CONTENT_SECURITY_POLICY);
    assertThat(page.bodyAsString()).contains("/api/docs/docs.js").doesNotContainPattern(INLINE);

    for (String file : new String[] {"docs.js", "docs.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
        "swagger-ui.css", "favicon-32x32.png"}) {
      HttpResponse<Buffer> served = service.get("/api/docs/" + file);
      assertThat(served.statusCode()).as(file).isEqualTo(200);
      assertThat(served.getHeader("Content-Security-Policy")).as(file).isEqualTo(WebRoutes.CONTENT_SECURITY_POLICY);
      assertThat(served.body().length()).as(file).isPositive();
    }
    assertThat(service.get("/api/docs/docs.js").bodyAsString()).contains("/api/openapi.yaml");
    // Only named files: not the webjar's own initializer (the petstore), not its index, no paths.
    assertThat(service.get("/api/docs/swagger-initializer.js").statusCode()).isEqualTo(404);
    assertThat(service.get("/api/docs/index.html").statusCode()).isEqualTo(404);
    assertThat(service.get("/api/docs/..%2Fopenapi.yaml").statusCode()).isEqualTo(404);
  }

  @Tag("browser")
  @Test
  void chromiumRendersTheOperationsUnderThePolicy() {
    try (Browser browser = Browser.desk()) {
      browser.open("http://127.0.0.1:" + service.port() + "/api/docs");
      browser.waitFor("Swagger UI renders the operations",
          driver -> browser.all(".opblock").size() >= 20 ? Boolean.TRUE : null);
      assertThat(browser.find(".info .title").getText()).contains("matic-scan");
      assertThat(browser.all(".opblock-summary-path")).extracting(element -> element.getAttribute("data-path"))
          .contains("/api/scans", "/api/tables/{table_id}/rows/search", "/api/pairings/claim");
    }
  }
}
