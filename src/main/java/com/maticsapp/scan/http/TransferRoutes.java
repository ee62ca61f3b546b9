package com.maticsapp.scan.http;

import com.maticsapp.scan.config.TransferConfig;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.ImportRequest;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Files in and out: the import upload (spooled to a temporary file with backpressure, then
 * handed to the data verticle as a job) and the streamed CSV/XLSX exports (keyset pages asked
 * for one at a time, the next only once the client has taken the last).
 */
final class TransferRoutes {

  private static final Logger log = LoggerFactory.getLogger(TransferRoutes.class);

  /** Export headers of the scan state columns; the import recognises and skips them. */
  static final String SCAN_STATE_PREFIX = "scan_state:";

  private final Vertx vertx;
  private final DataClient data;
  private final Responses responses;
  private final TransferConfig transfer;
  private final int rowsPage;
  private final int scansPage;

  TransferRoutes(Vertx vertx, DataClient data, Responses responses, TransferConfig transfer, int pageMaxRows, int pageMaxScans) {
    this.vertx = vertx;
    this.data = data;
    this.responses = responses;
    this.transfer = transfer;
    this.rowsPage = Math.min(transfer.exportPageRows(), pageMaxRows);
    this.scansPage = Math.min(transfer.exportPageRows(), pageMaxScans);
  }

  /** First on the upload route: nothing of the body is read until the caller and the job are known. */
  void pause(RoutingContext ctx) {
    ctx.request().pause();
    ctx.next();
  }

  /** POST /api/tables/:table_id/import?format&mode&key&archive_missing&dry_run&…&wait */
  void importFile(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    UUID tableId = Requests.pathId(ctx, "table_id");
    Map<String, String> query = uploadQuery(ctx);
    if (query == null) {
      return;
    }
    boolean wait = "true".equalsIgnoreCase(query.get("wait"));
    JsonObject options = ImportRequest.fromQuery(tableId, query, request.getHeader(HttpHeaders.CONTENT_TYPE));
    data.request(ctx, Addresses.IMPORTS_CREATE, options)
        .compose(job -> spool(ctx, job.getString("id")).compose(file -> run(ctx, job.getString("id"), file, wait)))
        .onSuccess(job -> answerJob(ctx, job, wait))
        .onFailure(failure -> {
          if (failure instanceof Upload) {
            return; // answered (413) or the client went away; the job was aborted
          }
          responses.failure(ctx, failure);
        });
  }

  /**
   * POST /api/workspaces/:workspace_id/tables/import?name&barcode&normalization&format&…&wait: a
   * new table made from the file (columns from its header, types from its first rows) and the
   * file imported into it. The caller's right to create tables is checked before the upload is
   * read. With {@code wait}, a file that fails to import leaves no table behind (it is deleted,
   * and the answer is the import's 422); without, the table is answered at once with its
   * running import (202), and stays, empty, if the import fails.
   */
  void createTableFromFile(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    UUID workspaceId = Requests.pathId(ctx, "workspace_id");
    Map<String, String> query = uploadQuery(ctx);
    if (query == null) {
      return;
    }
    boolean wait = "true".equalsIgnoreCase(query.get("wait"));
    JsonObject table = new JsonObject().put("workspace_id", workspaceId.toString())
        .put("name", query.remove("name")).put("barcode", query.remove("barcode"));
    String normalization = query.remove("normalization");
    if (normalization != null) {
      table.put("normalization", normalization);
    }
    JsonObject options = ImportRequest.fromQuery(workspaceId, query, request.getHeader(HttpHeaders.CONTENT_TYPE));
    options.remove("table_id");
    table.put("options", options);
    data.request(ctx, Addresses.TABLES_CREATE_FROM_FILE, table)
        .compose(allowed -> spool(ctx, null))
        .compose(file -> fillNewTable(ctx, table, options, file, wait))
        .onFailure(failure -> {
          if (!(failure instanceof Upload)) {
            responses.failure(ctx, failure);
          }
        });
  }

  /**
   * The table made from the spooled {@code file}, its import job, the job run on the file, the
   * answer. Until a job owns the file (the run deletes it when it ends), the file is deleted here
   * if a step fails.
   */
  private Future<Void> fillNewTable(RoutingContext ctx, JsonObject table, JsonObject options, String file, boolean wait) {
    Future<JsonObject> created = data.request(ctx, Addresses.TABLES_CREATE_FROM_FILE, table.copy().put("file", file),
        transfer.importDeadline());
    return created
        .compose(made -> data.request(ctx, Addresses.IMPORTS_CREATE, options.copy().put("table_id", made.getString("id"))))
        .recover(failure -> vertx.fileSystem().delete(file).transform(deleted -> Future.<JsonObject>failedFuture(failure)))
        .compose(job -> run(ctx, job.getString("id"), file, wait))
        .compose(job -> answerCreated(ctx, created.result(), job, wait));
  }

  /**
   * Runs the job on its spooled file. With {@code wait}, answers once the job has ended, or
   * after {@code transfer.importDeadline} with the job as it is then (still running: the
   * answer is a 202 as without wait). The deadline stays under the connection's idle timeout
   * ({@link HttpVerticle#IDLE_TIMEOUT_SECONDS}), which would otherwise close a connection that
   * has sent its file and waits in silence.
   */
  private Future<JsonObject> run(RoutingContext ctx, String jobId, String file, boolean wait) {
    return data.request(ctx, Addresses.IMPORTS_RUN, new JsonObject().put("job_id", jobId).put("file", file).put("wait", wait),
            transfer.importDeadline())
        .recover(failure -> wait && failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT
            ? data.request(ctx, Addresses.IMPORTS_GET, new JsonObject().put("job_id", jobId))
            : Future.failedFuture(failure));
  }

  /** 201 (or 202 while it runs) with {table, import}; a failed waited-for import deletes the table and is its 422. */
  private Future<Void> answerCreated(RoutingContext ctx, JsonObject table, JsonObject job, boolean waited) {
    boolean wait = waited && !isActive(job);
    if (wait && "failed".equals(job.getString("status"))) {
      return data.request(ctx, Addresses.TABLES_DELETE, new JsonObject().put("table_id", table.getString("id")))
          .transform(deleted -> {
            if (deleted.failed()) {
              log.warn("could not delete table {} after its import failed: {}", table.getString("id"), deleted.cause().toString());
            }
            answerJob(ctx, job, true);
            return Future.<Void>succeededFuture();
          });
    }
    if (wait) {
      ctx.response().putHeader(HttpHeaders.LOCATION, "/api/tables/" + table.getString("id"));
    } else {
      ctx.response().putHeader(HttpHeaders.LOCATION, "/api/imports/" + job.getString("id"));
    }
    responses.json(ctx, wait ? 201 : 202, new JsonObject().put("table", table).put("import", job));
    return Future.succeededFuture();
  }

  private static boolean isActive(JsonObject job) {
    return "running".equals(job.getString("status")) || "receiving".equals(job.getString("status"));
  }

  /** An upload's query parameters (first of each); null when its Content-Length is too large (answered 413). */
  private Map<String, String> uploadQuery(RoutingContext ctx) {
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && parseLong(length) > transfer.importMaxBytes()) {
      tooLarge(ctx);
      return null;
    }
    Map<String, String> query = new HashMap<>();
    ctx.queryParams().forEach(query::putIfAbsent);
    return query;
  }

  /** The body into a temporary file, pausing the request whenever the file's write queue is full. */
  private Future<String> spool(RoutingContext ctx, String jobId) {
    HttpServerRequest request = ctx.request();
    String directory = transfer.spoolDirectory().isBlank() ? System.getProperty("java.io.tmpdir") : transfer.spoolDirectory();
    return vertx.fileSystem().createTempFile(directory, "matic-import-", ".upload", (String) null)
        .compose(path -> vertx.fileSystem().open(path, new OpenOptions().setWrite(true).setTruncateExisting(true))
            .compose(file -> {
              io.vertx.core.Promise<String> spooled = io.vertx.core.Promise.promise();
              long[] received = {0};
              request.handler(chunk -> {
                received[0] += chunk.length();
                if (received[0] > transfer.importMaxBytes()) {
                  request.handler(null);
                  abandon(ctx, jobId, file, path, "the upload exceeds transfer.importMaxMegabytes");
                  tooLarge(ctx);
                  spooled.tryFail(new Upload());
                  return;
                }
                file.write(chunk);
                if (file.writeQueueFull()) {
                  request.pause();
                  file.drainHandler(drained -> request.resume());
                }
              });
              request.exceptionHandler(broken -> {
                abandon(ctx, jobId, file, path, "the upload broke off: " + broken.getMessage());
                spooled.tryFail(new Upload());
              });
              request.endHandler(end -> file.close().onComplete(closed -> {
                if (closed.succeeded()) {
                  spooled.tryComplete(path);
                } else {
                  abandon(ctx, jobId, null, path, "the upload could not be stored: " + closed.cause().getMessage());
                  spooled.tryFail(closed.cause());
                }
              }));
              request.resume();
              return spooled.future();
            }));
  }

  private void abandon(RoutingContext ctx, String jobId, AsyncFile file, String path, String reason) {
    Future<Void> closed = file == null ? Future.succeededFuture() : file.close();
    closed.eventually(() -> vertx.fileSystem().delete(path))
        .onFailure(failure -> log.warn("could not remove the spooled upload of import {}: {}", jobId, failure.toString()));
    if (jobId == null) {
      return; // a table from a file: no job exists before its upload is complete
    }
    data.request(ctx, Addresses.IMPORTS_ABORT, new JsonObject().put("job_id", jobId).put("reason", reason))
        .onFailure(failure -> log.warn("could not end import {} after its upload failed: {}", jobId, failure.toString()));
  }

  private void tooLarge(RoutingContext ctx) {
    responses.problem(ctx, 413, "Payload too large",
        "an import may be at most " + transfer.importMaxBytes() / (1024 * 1024) + " MiB", null);
    ctx.request().connection().close();
  }

  /**
   * 202 with the running job (poll its Location); with {@code wait}, the finished job (200), or
   * a 422 listing every reported problem by line and column when nothing was imported.
   */
  private void answerJob(RoutingContext ctx, JsonObject job, boolean wait) {
    if (!wait || isActive(job)) {
      ctx.response().putHeader(HttpHeaders.LOCATION, "/api/imports/" + job.getString("id"));
      responses.json(ctx, 202, job);
      return;
    }
    JsonObject report = job.getJsonObject("report", new JsonObject());
    if (!"failed".equals(job.getString("status"))) {
      responses.json(ctx, 200, job);
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    JsonArray problems = report.getJsonArray("errors", new JsonArray());
    for (int i = 0; i < problems.size(); i++) {
      JsonObject problem = problems.getJsonObject(i);
      errors.add(new FieldError("line " + problem.getLong("line") + ": " + problem.getString("column"), problem.getString("message")));
    }
    String detail = "import " + job.getString("id") + ": " + report.getString("failure", "failed");
    ctx.response().putHeader(HttpHeaders.LOCATION, "/api/imports/" + job.getString("id"));
    responses.problem(ctx, new ServiceFailure(422, "Import failed", detail, errors));
  }

  /** GET /api/imports/:job_id */
  void getImport(RoutingContext ctx) {
    data.forward(ctx, Addresses.IMPORTS_GET, new JsonObject().put("job_id", Requests.pathId(ctx, "job_id").toString()), 200);
  }

  /** GET /api/tables/:table_id/export?format=csv|xlsx&include_archived */
  void exportTable(RoutingContext ctx) {
    UUID tableId = Requests.pathId(ctx, "table_id");
    String format = format(ctx);
    Boolean includeArchived = Requests.boolParam(ctx, "include_archived");
    boolean archived = Boolean.TRUE.equals(includeArchived);
    data.request(ctx, Addresses.TABLES_GET, new JsonObject().put("table_id", tableId.toString())).onComplete(read -> {
      if (read.failed()) {
        responses.failure(ctx, read.cause());
        return;
      }
      JsonObject table = read.result();
      List<JsonObject> columns = new ArrayList<>();
      table.getJsonArray("columns").forEach(column -> columns.add((JsonObject) column));
      List<String> header = new ArrayList<>();
      header.add("row_id");
      columns.forEach(column -> header.add(headerOf(column, columns)));
      header.add("scan_count");
      header.add("last_scanned_at");
      // The scan state of each barcode column (scan rules): accepted scans and inside/outside.
      List<JsonObject> barcodeColumns = columns.stream().filter(column -> "barcode".equals(column.getString("column_type"))).toList();
      barcodeColumns.forEach(column -> {
        header.add(SCAN_STATE_PREFIX + column.getString("name") + ":accepted");
        header.add(SCAN_STATE_PREFIX + column.getString("name") + ":inside");
      });
      if (archived) {
        header.add("archived");
      }
      JsonObject query = new JsonObject().put("table_id", tableId.toString()).put("limit", rowsPage).put("include_archived", archived);
      Function<JsonObject, List<?>> toCells = row -> {
        JsonObject cells = row.getJsonObject("data");
        List<Object> line = new ArrayList<>(header.size());
        line.add(row.getString("id"));
        columns.forEach(column -> line.add(cells.getValue(column.getString("name"))));
        line.add(row.getInteger("scan_count"));
        line.add(row.getString("last_scanned_at"));
        JsonObject states = row.getValue("scan_state") instanceof JsonObject state ? state : new JsonObject();
        barcodeColumns.forEach(column -> {
          JsonObject state = states.getValue(column.getString("id")) instanceof JsonObject found ? found : new JsonObject();
          line.add(state.getValue("accepted") instanceof Number accepted ? accepted : 0);
          line.add(state.getValue("inside") instanceof Boolean inside ? inside : Boolean.FALSE);
        });
        if (archived) {
          line.add(row.getBoolean("is_archived"));
        }
        return line;
      };
      new Export(ctx, format, table.getString("name"), "rows", header, Addresses.ROWS_LIST, query, "rows", toCells).start();
    });
  }

  /** GET /api/scans/export?table_id&from&to&format=csv|xlsx */
  void exportScans(RoutingContext ctx) {
    String format = format(ctx);
    String tableParam = ctx.queryParams().get("table_id");
    UUID tableId = tableParam == null ? null : com.maticsapp.scan.contract.Fields.parseUuid(tableParam);
    if (tableId == null) {
      throw ServiceFailure.invalid("table_id", "is required and must be a UUID");
    }
    JsonObject query = new JsonObject().put("table_id", tableId.toString()).put("limit", scansPage)
        .put("from", ctx.queryParams().get("from")).put("to", ctx.queryParams().get("to"));
    List<String> header = List.of("scan_id", "scanned_at", "column", "barcode", "normalized_barcode", "status",
        "decision", "direction", "undone_at", "matched_row_ids", "source", "device_id", "scanned_by", "stored_at");
    Function<JsonObject, List<?>> toCells = scan -> {
      List<Object> line = new ArrayList<>(header.size());
      line.add(scan.getString("id"));
      line.add(scan.getString("scanned_at"));
      line.add(scan.getString("column_name"));
      line.add(scan.getString("barcode"));
      line.add(scan.getString("normalized_barcode"));
      line.add(scan.getString("status"));
      line.add(scan.getString("decision"));
      line.add(scan.getString("direction"));
      line.add(scan.getValue("undo") instanceof JsonObject undo ? undo.getString("undone_at") : null);
      JsonArray matched = scan.getJsonArray("matched_row_ids", new JsonArray());
      line.add(String.join(" ", matched.stream().map(String::valueOf).toList()));
      line.add(scan.getString("source"));
      line.add(scan.getString("device_id"));
      line.add(scan.getString("created_by"));
      line.add(scan.getString("created_at"));
      return line;
    };
    // The table's existence and the caller's access come back with the first page (a 404/403 before any byte is sent).
    new Export(ctx, format, "scans", "scans", header, Addresses.SCANS_EXPORT_PAGE, query, "scans", toCells).start();
  }

  private static String format(RoutingContext ctx) {
    String format = ctx.queryParams().get("format");
    if (format == null || format.equalsIgnoreCase("csv")) {
      return ImportRequest.CSV;
    }
    if (format.equalsIgnoreCase("xlsx")) {
      return ImportRequest.XLSX;
    }
    throw ServiceFailure.invalid("format", "must be csv or xlsx");
  }

  /** The column's label, unless another column has the same label (then its unique name). */
  private static String headerOf(JsonObject column, List<JsonObject> columns) {
    String label = column.getString("label");
    long same = columns.stream().filter(other -> other.getString("label").equalsIgnoreCase(label)
        || other.getString("name").equalsIgnoreCase(label)).count();
    return label == null || label.isBlank() || same > 1 || List.of("row_id", "scan_count", "last_scanned_at", "archived")
        .contains(label.toLowerCase(java.util.Locale.ROOT)) ? column.getString("name") : label;
  }

  private static long parseLong(String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** An upload that was answered (or lost) on its own; nothing more to send. */
  private static final class Upload extends RuntimeException {
    Upload() {
      super("upload ended", null, false, false);
    }
  }

  /**
   * One streamed export: asks for a page, writes it, waits for the client when the response's
   * write queue is full, asks for the next. The first page is asked before any header is sent,
   * so a missing table or a refused caller still gets a problem document; a failure later can
   * only cut the download short (the connection is closed, so the file is visibly incomplete).
   */
  private final class Export {
    private final RoutingContext ctx;
    private final String format;
    private final String fileName;
    private final List<String> header;
    private final String address;
    private final JsonObject query;
    private final String itemsKey;
    private final Function<JsonObject, List<?>> toCells;
    private final SheetWriter writer;

    Export(RoutingContext ctx, String format, String baseName, String sheet, List<String> header, String address,
           JsonObject query, String itemsKey, Function<JsonObject, List<?>> toCells) {
      this.ctx = ctx;
      this.format = format;
      this.fileName = safeName(baseName) + "-" + LocalDate.now(ZoneOffset.UTC) + "." + format;
      this.header = header;
      this.address = address;
      this.query = query;
      this.itemsKey = itemsKey;
      this.toCells = toCells;
      this.writer = ImportRequest.XLSX.equals(format) ? SheetWriter.xlsx(sheet) : SheetWriter.csv();
    }

    void start() {
      data.request(ctx, address, query).onComplete(first -> {
        if (first.failed()) {
          responses.failure(ctx, first.cause());
          return;
        }
        HttpServerResponse response = ctx.response();
        response.setChunked(true)
            .putHeader(HttpHeaders.CONTENT_TYPE, ImportRequest.XLSX.equals(format) ? SheetWriter.XLSX_MEDIA_TYPE : SheetWriter.CSV_MEDIA_TYPE)
            .putHeader("Content-Disposition", "attachment; filename=\"" + fileName + "\"; filename*=UTF-8''"
                + java.net.URLEncoder.encode(fileName, StandardCharsets.UTF_8).replace("+", "%20"))
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        writer.row(header);
        write(first.result());
      });
    }

    private void write(JsonObject page) {
      JsonArray items = page.getJsonArray(itemsKey);
      String next = page.getString("next_cursor");
      encode(() -> {
        for (int i = 0; i < items.size(); i++) {
          writer.row(toCells.apply(items.getJsonObject(i)));
        }
        return next == null ? Buffer.buffer().appendBuffer(writer.take()).appendBuffer(writer.finish()) : writer.take();
      }).onComplete(encoded -> {
        HttpServerResponse response = ctx.response();
        if (encoded.failed()) {
          cutShort(encoded.cause());
          return;
        }
        if (response.closed()) {
          return; // the client went away: stop reading pages
        }
        if (next == null) {
          response.end(encoded.result());
          return;
        }
        response.write(encoded.result());
        if (response.writeQueueFull()) {
          response.drainHandler(drained -> fetch(next));
        } else {
          fetch(next);
        }
      });
    }

    private void fetch(String cursor) {
      data.request(ctx, address, query.copy().put("after", cursor)).onComplete(page -> {
        if (page.failed()) {
          cutShort(page.cause());
        } else if (!ctx.response().closed()) {
          write(page.result());
        }
      });
    }

    /** XLSX pages are compressed on a worker (in order); CSV pages are cheap enough for the event loop. */
    private Future<Buffer> encode(java.util.concurrent.Callable<Buffer> work) {
      if (writer.heavy()) {
        return vertx.executeBlocking(work, true);
      }
      try {
        return Future.succeededFuture(work.call());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }

    private void cutShort(Throwable cause) {
      log.warn("export {} of {} cut short: {}", fileName, query.getString("table_id"), cause.toString());
      ctx.request().connection().close();
    }
  }

  private static String safeName(String name) {
    String safe = name == null ? "" : name.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("(^-+|-+$)", "");
    return safe.isEmpty() ? "table" : safe.length() > 80 ? safe.substring(0, 80) : safe;
  }
}
