package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ImportRequest;
import com.maticsapp.scan.contract.ServiceFailure;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An uploaded file read row by row: the header first, then one {@link SourceRow} at a time,
 * never the whole file in memory. Blocking (file I/O, decompression): only ever called on a
 * worker thread, never on an event loop.
 */
interface SheetReader extends Closeable {

  /** One data row of the file: its line (CSV: where the record starts; XLSX: the row number) and its cells. */
  record SourceRow(long line, List<String> cells) {}

  /** The header row's cells; a 422 when the file has none. */
  List<String> header() throws IOException;

  /** The next non-blank data row, or null at the end of the file. */
  SourceRow next() throws IOException;

  /** True when date cells arrive as spreadsheet serial numbers (XLSX), which the converter then accepts. */
  boolean serialDates();

  /** What the reader found out about the file (encoding, delimiter, sheet), for the report. */
  io.vertx.core.json.JsonObject describe();

  static SheetReader open(Path file, ImportRequest request) throws IOException {
    return ImportRequest.XLSX.equals(request.format()) ? XlsxSheetReader.open(file, request) : CsvSheetReader.open(file, request);
  }

  static ServiceFailure unreadable(String detail) {
    return ServiceFailure.invalid("file", detail);
  }
}
