package com.maticsapp.scan.http;

import de.siegmar.fastcsv.writer.CsvWriter;
import de.siegmar.fastcsv.writer.LineDelimiter;
import io.vertx.core.buffer.Buffer;
import org.dhatim.fastexcel.Workbook;
import org.dhatim.fastexcel.Worksheet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An export file written a page at a time: rows go in, and {@link #take()} hands out the bytes
 * produced so far, so a response of any length is written with bounded memory. CSV with
 * FastCSV (RFC 4180, CRLF, UTF-8 with a byte-order mark so Excel reads it as UTF-8); XLSX with
 * fastexcel (streamed worksheet XML, inline strings: no shared-strings table held in memory).
 *
 * <p>Formula injection (OWASP "CSV Injection"): a text cell that starts with {@code =},
 * {@code +}, {@code -}, {@code @}, tab or carriage return is written with a leading {@code '},
 * so a spreadsheet shows it as text instead of evaluating it; a cell that already starts with
 * {@code '} before one of those characters gets one more, so the import, which removes one,
 * gives back exactly the original. Numbers and booleans are written as values, never as text.
 */
abstract class SheetWriter {

  static final String CSV_MEDIA_TYPE = "text/csv; charset=utf-8";
  static final String XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

  private static final Pattern FORMULA_START = Pattern.compile("^'*[=+\\-@\t\r].*", Pattern.DOTALL);

  /** The cell as a spreadsheet will show it, never as a formula. */
  static String neutralise(String text) {
    return FORMULA_START.matcher(text).matches() ? "'" + text : text;
  }

  /** A number as people write it: {@code 10000000000}, {@code 0.1}, never {@code 1.0E10}. */
  static String plain(Number number) {
    if (number instanceof Double || number instanceof Float) {
      double value = number.doubleValue();
      return Double.isFinite(value) ? new java.math.BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString()
          : Double.toString(value);
    }
    return number instanceof java.math.BigDecimal decimal ? decimal.toPlainString() : number.toString();
  }

  static SheetWriter csv() {
    return new Csv();
  }

  static SheetWriter xlsx(String sheetName) {
    return new Xlsx(sheetName);
  }

  abstract void row(List<?> cells);

  /** The bytes written since the last call. */
  abstract Buffer take();

  /** Ends the file; the last bytes. */
  abstract Buffer finish();

  /** True when encoding a page costs enough CPU (compression) to belong on a worker thread. */
  abstract boolean heavy();

  private static final class Csv extends SheetWriter {
    private final StringWriter text = new StringWriter(64 * 1024);
    private final CsvWriter csv = CsvWriter.builder().lineDelimiter(LineDelimiter.CRLF).build(text);
    private boolean bomWritten;

    @Override
    void row(List<?> cells) {
      String[] fields = new String[cells.size()];
      for (int i = 0; i < fields.length; i++) {
        Object cell = cells.get(i);
        fields[i] = cell == null ? ""
            : cell instanceof String string ? neutralise(string)
            : cell instanceof Number number ? plain(number)
            : cell.toString();
      }
      csv.writeRecord(fields);
    }

    @Override
    Buffer take() {
      try {
        csv.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      StringBuffer written = text.getBuffer();
      Buffer bytes = Buffer.buffer(written.length() + 3);
      if (!bomWritten) {
        bytes.appendBytes(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
        bomWritten = true;
      }
      bytes.appendString(written.toString(), StandardCharsets.UTF_8.name());
      written.setLength(0);
      return bytes;
    }

    @Override
    Buffer finish() {
      return take();
    }

    @Override
    boolean heavy() {
      return false;
    }
  }

  private static final class Xlsx extends SheetWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256 * 1024);
    private final Workbook workbook = new Workbook(out, "matic-scan", "1.0");
    private final Worksheet sheet;
    private int rowIndex;

    Xlsx(String sheetName) {
      sheet = workbook.newWorksheet(sheetName);
    }

    @Override
    void row(List<?> cells) {
      for (int c = 0; c < cells.size(); c++) {
        Object cell = cells.get(c);
        if (cell instanceof String string) {
          sheet.inlineString(rowIndex, c, neutralise(string));
        } else if (cell instanceof Number number) {
          sheet.value(rowIndex, c, number);
        } else if (cell instanceof Boolean flag) {
          sheet.value(rowIndex, c, flag);
        } else if (cell != null) {
          sheet.inlineString(rowIndex, c, neutralise(cell.toString()));
        }
      }
      rowIndex++;
    }

    @Override
    Buffer take() {
      try {
        sheet.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return drain();
    }

    @Override
    Buffer finish() {
      try {
        sheet.finish();
        workbook.finish();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return drain();
    }

    private Buffer drain() {
      Buffer bytes = Buffer.buffer(out.toByteArray());
      out.reset();
      return bytes;
    }

    @Override
    boolean heavy() {
      return true;
    }
  }
}
