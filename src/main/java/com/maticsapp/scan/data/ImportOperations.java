package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.config.TransferConfig;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.ImportRequest;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Importing a file into a table, as a job ({@link Addresses#IMPORTS_CREATE} → upload →
 * {@link Addresses#IMPORTS_RUN}). The file, spooled by the HTTP side, is read on a worker
 * thread a chunk at a time; each chunk is staged by one statement (the next chunk is read only
 * once it is written, so memory holds one chunk however large the file); then one statement
 * counts what would happen, and once the file has passed, the table is changed chunk by chunk
 * ({@link Applying}, see {@link ImportStore}). Progress is published on
 * {@link Addresses#IMPORTS_PROGRESS} after every chunk and at the end.
 *
 * <p>Scans come first. Every chunk is one statement on the same pipelined connection the
 * scans use, so a chunk never holds it for long; and while other operations arrive, the job
 * pauses after each chunk for {@code transfer.importYieldPercent} of the time the chunk took
 * (reading it on a worker and writing it), which leaves the CPU and the connection to them.
 */
final class ImportOperations {

  private static final Logger log = LoggerFactory.getLogger(ImportOperations.class);

  private final Vertx vertx;
  private final ImportStore store;
  private final AccessStore access;
  private final TransferConfig transfer;
  private final OutboxSignals outbox;
  private final TableStore tables;
  private final DatabaseActivity activity;
  /** Jobs this instance is applying, so the stalled-job sweep does not claim one of its own. */
  private final Set<UUID> applying = new HashSet<>();
  private long sweep = -1;

  /** Rows read to infer a new table's column types from its file. */
  static final int INFERENCE_SAMPLE_ROWS = 1_000;

  ImportOperations(Vertx vertx, ImportStore store, AccessStore access, TransferConfig transfer, OutboxSignals outbox,
                   TableStore tables, DatabaseActivity activity) {
    this.vertx = vertx;
    this.activity = activity;
    this.tables = tables;
    this.outbox = outbox;
    this.store = store;
    this.access = access;
    this.transfer = transfer;
  }

  /** A job waiting for its file; 409 while another import of the table is active. */
  Future<JsonObject> create(Caller caller, JsonObject body) {
    ImportRequest request = ImportRequest.parse(body);
    return access.whenAllowed(caller, request.tableId(), Permission.EDIT, () -> store.columns(request.tableId()))
        .compose(columns -> {
          if (request.upsert() && columns.stream().noneMatch(column -> column.name().equals(request.key()))) {
            throw ServiceFailure.invalid("key", "'" + request.key() + "' is not a column of this table");
          }
          return store.create(request.tableId(), UUID.randomUUID(), request.toJson(), caller.actor(), transfer.importAbandonedAfter());
        });
  }

  /**
   * {@code {job_id, file, wait}}: the file is complete; the job runs. Answers at once with the
   * running job, or with {@code wait} once it has finished (succeeded or failed).
   */
  Future<JsonObject> run(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID jobId = fields.uuid("job_id", true);
    String file = fields.string("file", true, 4096);
    Boolean wait = fields.bool("wait");
    fields.throwIfInvalid();
    Path path = Path.of(file);
    return store.start(jobId, caller.actor())
        .onFailure(refused -> deleteQuietly(path))
        .compose(job -> {
          ImportRequest request = ImportRequest.parse(job.getJsonObject("options").copy().put("table_id", job.getString("table_id")));
          Future<JsonObject> finished = new Run(jobId, request, path).start();
          return Boolean.TRUE.equals(wait) ? finished : Future.succeededFuture(job);
        });
  }

  /**
   * {@link Addresses#TABLES_CREATE_FROM_FILE}: {@code {workspace_id, name, barcode, normalization?,
   * options, file?}} → the new table, its columns inferred from the file's header and first
   * {@value #INFERENCE_SAMPLE_ROWS} rows ({@link ColumnInference}); the file stays where it is,
   * for the import that follows. Without {@code file}, only checks that the caller may create a
   * table in the workspace and that the request is valid (asked before the upload is read).
   */
  Future<JsonObject> createTableFromFile(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID workspaceId = fields.uuid("workspace_id", true);
    String name = fields.string("name", true, 200);
    String barcode = fields.string("barcode", true, 200);
    String normalization = fields.string("normalization", false, 10);
    if (normalization != null && !com.maticsapp.scan.contract.CreateTable.NORMALIZATIONS.contains(normalization)) {
      fields.error("normalization", "must be exact or gtin");
    }
    String file = fields.string("file", false, 4096);
    JsonObject options = body.getValue("options") instanceof JsonObject given ? given.copy() : new JsonObject();
    if (options.containsKey("mode") || options.containsKey("key") || options.containsKey("archive_missing")) {
      fields.error("mode", "a new table is filled by appending: mode, key and archive_missing do not apply");
    }
    fields.throwIfInvalid();
    // The reader's settings (format, delimiter, encoding, sheet...) checked as for any import.
    ImportRequest reading = ImportRequest.parse(options.put("table_id", workspaceId.toString()));
    return access.whenAllowedInWorkspace(caller, workspaceId, Permission.EDIT, () -> {
      if (file == null) {
        return Future.succeededFuture(new JsonObject().put("workspace_id", workspaceId.toString()));
      }
      return vertx.executeBlocking(() -> {
        try (SheetReader reader = SheetReader.open(Path.of(file), reading)) {
          List<String> header = reader.header();
          List<List<String>> sample = new ArrayList<>();
          for (SheetReader.SourceRow row = reader.next(); row != null && sample.size() < INFERENCE_SAMPLE_ROWS; row = reader.next()) {
            sample.add(row.cells());
          }
          return ColumnInference.columns(header, sample, barcode, normalization == null ? "exact" : normalization);
        }
      }, false).compose(columns -> tables.createTable(com.maticsapp.scan.contract.CreateTable.parse(new JsonObject()
          .put("workspace_id", workspaceId.toString()).put("name", name).put("columns", columns)), caller));
    });
  }

  /** {@code {job_id, reason}}: the upload broke off; the job ends as failed. */
  Future<JsonObject> abort(Caller caller, JsonObject body) {
    UUID jobId = Fields.requiredUuid(body, "job_id");
    String reason = body.getValue("reason") instanceof String text ? text : "the upload did not complete";
    return job(caller, jobId, Permission.EDIT).compose(job -> store.finish(jobId, "failed", new JsonObject().put("failure", reason)))
        .map(job -> job == null ? new JsonObject().put("id", jobId.toString()) : publish(job));
  }

  /** {@code {job_id}} → the job, its progress, and once finished its report. */
  Future<JsonObject> get(Caller caller, JsonObject body) {
    return job(caller, Fields.requiredUuid(body, "job_id"), Permission.READ);
  }

  private Future<JsonObject> job(Caller caller, UUID jobId, Permission needed) {
    needed.requireCallerKind(caller);
    return store.job(jobId, caller.memberId(), caller.pairingId()).map(row -> {
      String notFound = "import " + jobId + " does not exist";
      needed.require(row == null ? null : row.getString("role"), null, notFound);
      return ImportStore.toJson(row);
    });
  }

  private JsonObject publish(JsonObject job) {
    vertx.eventBus().publish(Addresses.IMPORTS_PROGRESS, job);
    String status = job.getString("status");
    if ("succeeded".equals(status) || "failed".equals(status)) {
      outbox.eventsWritten(); // its rows (row.created) and its end (import.completed) have committed
    }
    return job;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("could not delete the spooled import file {}: {}", file, e.toString());
    }
  }

  /**
   * Carries on jobs that had begun to apply and stalled (their process stopped, or their
   * retries ran out): every {@code transfer.importAbandonedAfter} / 4, the stalled ones are
   * claimed by one statement and applied from where they stopped.
   */
  void startSweeping() {
    long every = Math.max(1_000, transfer.importAbandonedAfter().toMillis() / 4);
    sweep = vertx.setPeriodic(every, id -> store.claimStalled(transfer.importAbandonedAfter())
        .onSuccess(jobs -> jobs.forEach(job -> {
          UUID jobId = UUID.fromString(job.getString("id"));
          if (!applying.contains(jobId)) {
            log.info("import {} of table {} stalled after {} of {} rows; carrying it on", jobId, job.getString("table_id"),
                job.getLong("rows_applied"), job.getLong("rows_staged"));
            new Applying(jobId).next(job).onSuccess(ImportOperations.this::publish);
          }
        }))
        .onFailure(failure -> log.warn("looking for stalled imports failed: {}", failure.toString())));
  }

  void stopSweeping() {
    vertx.cancelTimer(sweep);
  }

  /**
   * After a chunk that began at {@code began}: when other operations arrived meanwhile, waits
   * {@code transfer.importYieldPercent} of the chunk's time before the next, so scans keep most
   * of the CPU and the connection while a large file goes in.
   */
  private Future<Void> yieldToOthers(long began, long othersBefore) {
    long pauseMillis = (System.nanoTime() - began) * transfer.importYieldPercent() / 100 / 1_000_000;
    if (pauseMillis < 1 || activity.operationsBegun() == othersBefore) {
      return Future.succeededFuture();
    }
    return vertx.timer(pauseMillis, TimeUnit.MILLISECONDS).mapEmpty();
  }

  /** Applying stopped after part of the job was applied: it stays running, to be carried on. */
  private static final class Interrupted extends RuntimeException {
    private final transient JsonObject job;

    Interrupted(JsonObject job, Throwable cause) {
      super("applying was interrupted: " + cause.getMessage(), cause, false, false);
      this.job = job;
    }
  }

  /**
   * Applies a job chunk by chunk until its staging rows are gone. A chunk that fails before
   * anything of the job was applied fails the job (nothing left behind, as for a bad file). One
   * that fails later is retried, {@value #APPLY_ATTEMPTS} times with growing pauses, and then
   * left to the stalled-job sweep: a job that has begun to change the table is finished, never
   * failed half-way.
   */
  private final class Applying {

    private final UUID jobId;
    private final long began = System.nanoTime();
    private long earlierMillis = -1;
    private int failures;

    Applying(UUID jobId) {
      this.jobId = jobId;
      applying.add(jobId);
    }

    Future<JsonObject> next(JsonObject job) {
      if (job == null) {
        applying.remove(jobId);
        return Future.failedFuture(ServiceFailure.conflict("import " + jobId + " was ended while it ran"));
      }
      if (earlierMillis < 0) { // a job carried on counts the applying time it had already spent
        JsonObject timings = job.getJsonObject("report", new JsonObject()).getJsonObject("timings", new JsonObject());
        earlierMillis = timings.getLong("applying_ms", 0L);
      }
      if (!"running".equals(job.getString("status"))) {
        applying.remove(jobId);
        return Future.succeededFuture(job);
      }
      String phase = job.getString("apply_phase");
      long chunkBegan = System.nanoTime();
      long othersBefore = activity.operationsBegun();
      long applyingMillis = earlierMillis + (chunkBegan - began) / 1_000_000;
      return store.applyChunk(jobId, phase, transfer.importApplyChunkRows(), applyingMillis, transfer.importApplyTimeout())
          .transform(chunk -> {
            if (chunk.succeeded()) {
              failures = 0;
              JsonObject applied = chunk.result();
              if (applied != null && "running".equals(applied.getString("status"))) {
                publish(applied);
                return yieldToOthers(chunkBegan, othersBefore).compose(paused -> next(applied));
              }
              return next(applied);
            }
            return retryOrStop(job, chunk.cause());
          });
    }

    private Future<JsonObject> retryOrStop(JsonObject job, Throwable failure) {
      boolean nothingApplied = job.getLong("rows_applied", 0L) == 0
          && job.getJsonObject("report", new JsonObject()).getLong("archived", 0L) == 0;
      if (nothingApplied) {
        applying.remove(jobId);
        return Future.failedFuture(failure); // the table is as it was: the job fails like a bad file
      }
      failures++;
      if (failures > APPLY_ATTEMPTS) {
        applying.remove(jobId);
        log.error("import {}: applying stopped after {} of {} rows ({}); the stalled-job sweep carries it on",
            jobId, job.getLong("rows_applied"), job.getLong("rows_staged"), failure.toString());
        return Future.failedFuture(new Interrupted(job, failure));
      }
      long pause = Math.min(30_000, 500L << failures);
      log.warn("import {}: a chunk failed after {} of {} rows ({}); trying again in {} ms",
          jobId, job.getLong("rows_applied"), job.getLong("rows_staged"), failure.toString(), pause);
      return vertx.timer(pause, TimeUnit.MILLISECONDS).compose(waited -> next(job));
    }
  }

  /** Chunk failures in a row, after part of a job was applied, before it is left to the sweep. */
  static final int APPLY_ATTEMPTS = 5;

  /** One job's run: read on a worker, stage on the pipeline, plan, apply or finish. */
  private final class Run {

    private final UUID jobId;
    private final ImportRequest request;
    private final Path file;
    private final List<JsonObject> errors = new ArrayList<>();
    /** Touched by the worker that reads, one chunk at a time; read on the event loop between chunks. */
    private final long[] errorCount = new long[1];
    private SheetReader reader;
    private ImportCells cells;
    private long rowsRead;
    private boolean ended;
    /** When the run started, and when reading and staging the file ended (the report's timings). */
    private final long startedAt = System.nanoTime();
    private long stagedAt;

    Run(UUID jobId, ImportRequest request, Path file) {
      this.jobId = jobId;
      this.request = request;
      this.file = file;
    }

    Future<JsonObject> start() {
      return store.columns(request.tableId())
          .compose(columns -> vertx.executeBlocking(() -> open(columns), false))
          .compose(opened -> stageAll())
          .compose(staged -> {
            stagedAt = System.nanoTime();
            return finishRun();
          })
          .recover(this::failed)
          .onComplete(done -> {
            vertx.executeBlocking(() -> {
              closeReader();
              deleteQuietly(file);
              return null;
            }, false);
            if (done.succeeded()) {
              publish(done.result());
            }
          });
    }

    /** Worker: the header, and which header is which column. */
    private Void open(List<ImportCells.Column> columns) throws IOException {
      reader = SheetReader.open(file, request);
      List<String> header = reader.header();
      char delimiter = reader instanceof CsvSheetReader csv ? csv.delimiter() : ',';
      cells = ImportCells.forHeader(header, columns, request, reader.serialDates(), delimiter, errors);
      errorCount[0] = errors.size();
      return null;
    }

    /** Reads and stages chunk after chunk until the file ends. */
    private Future<Void> stageAll() {
      long began = System.nanoTime();
      long othersBefore = activity.operationsBegun();
      return vertx.executeBlocking(this::readChunk, false).compose(chunk -> {
        boolean stageIt = errorCount[0] == 0 || request.skipBadRows();
        List<ImportCells.Parsed> rows = stageIt ? chunk : List.of();
        return store.stage(jobId, rows, rowsRead, errorCount[0]).compose(job -> {
          publish(job);
          return ended ? Future.succeededFuture() : yieldToOthers(began, othersBefore).compose(paused -> stageAll());
        });
      });
    }

    /** Worker: up to importChunkRows converted rows; sets {@code ended} at the end of the file. */
    private List<ImportCells.Parsed> readChunk() throws IOException {
      List<ImportCells.Parsed> chunk = new ArrayList<>(transfer.importChunkRows());
      if (cells == null) {
        ended = true;
        return chunk;
      }
      while (chunk.size() < transfer.importChunkRows()) {
        SheetReader.SourceRow row = reader.next();
        if (row == null) {
          ended = true;
          break;
        }
        rowsRead++;
        ImportCells.Parsed parsed = cells.convert(row, errors, transfer.importMaxErrors(), errorCount);
        if (parsed != null) {
          chunk.add(parsed);
        }
      }
      return chunk;
    }

    /** Counts; then fails, reports the dry run, or applies. */
    private Future<JsonObject> finishRun() {
      ImportCells.Column key = cells.key();
      return store.plan(jobId, request.tableId(), key, request.archiveMissing(), transfer.importMaxErrors())
          .compose(plan -> {
            JsonObject report = report(plan);
            List<String> failures = new ArrayList<>();
            if (errorCount[0] > 0 && !request.skipBadRows()) {
              failures.add(errorCount[0] + " bad cells");
            }
            if (plan.getLong("duplicate_keys") > 0) {
              failures.add(plan.getLong("duplicate_keys") + " keys that occur on more than one line");
            }
            if (plan.getLong("bad_gtins") > 0) {
              failures.add(plan.getLong("bad_gtins") + " GTIN cells without a valid check digit");
            }
            if (!failures.isEmpty()) {
              report.put("failure", "nothing was imported: the file has " + String.join(", ", failures));
              return store.finish(jobId, "failed", report);
            }
            if (request.dryRun()) {
              return store.finish(jobId, "succeeded", report);
            }
            return store.beginApply(jobId, report).compose(begun -> new Applying(jobId).next(begun));
          })
          .map(job -> {
            if (job == null) {
              throw ServiceFailure.conflict("import " + jobId + " was ended while it ran");
            }
            return job;
          });
    }

    private JsonObject report(JsonObject plan) {
      JsonObject counts = new JsonObject()
          .put("inserts", plan.getLong("inserts"))
          .put("updates", plan.getLong("updates"))
          .put("unchanged", plan.getLong("unchanged"))
          .put("archives", plan.getLong("archives"));
      JsonArray problems = new JsonArray();
      errors.forEach(problems::add);
      plan.getJsonArray("gtin_errors").forEach(gtin -> problems.add(ImportCells.error(
          ((JsonObject) gtin).getLong("line"), ((JsonObject) gtin).getString("column"), "is not a valid GTIN (check digit)")));
      plan.getJsonArray("duplicates").forEach(lines -> problems.add(ImportCells.error(
          ((JsonArray) lines).getLong(0), request.key(), "the key occurs again on lines " + ((JsonArray) lines).encode())));
      return new JsonObject()
          .put("dry_run", request.dryRun())
          .put("file", reader == null ? new JsonObject() : reader.describe())
          .put("mapping", cells == null ? new JsonObject() : cells.mappingReport())
          .put("rows_read", rowsRead)
          .put("bad_cells", errorCount[0])
          .put("planned", counts)
          .put("errors", problems)
          .put("errors_listed_max", transfer.importMaxErrors())
          .put("timings", new JsonObject()
              .put("reading_ms", (stagedAt - startedAt) / 1_000_000)
              .put("planning_ms", (System.nanoTime() - stagedAt) / 1_000_000));
    }

    private Future<JsonObject> failed(Throwable cause) {
      if (cause instanceof Interrupted interrupted) {
        return Future.succeededFuture(interrupted.job); // carried on later, never failed half-applied
      }
      String reason = cause instanceof ServiceFailure failure && !failure.errors().isEmpty()
          ? failure.errors().get(0).message()
          : cause.getMessage();
      if (!(cause instanceof ServiceFailure)) {
        log.error("import {} of table {} failed", jobId, request.tableId(), cause);
      }
      JsonObject report = new JsonObject().put("failure", "nothing was imported: " + reason)
          .put("rows_read", rowsRead).put("bad_cells", errorCount[0]);
      JsonArray problems = new JsonArray();
      errors.forEach(problems::add);
      report.put("errors", problems);
      return store.finish(jobId, "failed", report).map(job -> job == null ? new JsonObject().put("id", jobId.toString()) : job);
    }

    private void closeReader() {
      if (reader != null) {
        try {
          reader.close();
        } catch (IOException e) {
          log.debug("closing the reader of import {}: {}", jobId, e.toString());
        }
      }
    }
  }
}
