package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ImportRequest;
import io.vertx.core.json.JsonObject;
import org.dhatim.fastexcel.reader.Cell;
import org.dhatim.fastexcel.reader.CellType;
import org.dhatim.fastexcel.reader.ReadableWorkbook;
import org.dhatim.fastexcel.reader.ReadingOptions;
import org.dhatim.fastexcel.reader.Row;
import org.dhatim.fastexcel.reader.Sheet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One sheet of an XLSX workbook, streamed with fastexcel-reader (a StAX pass over the sheet's
 * XML inside the zip, never a workbook object model). XLSX is a zip whose directory sits at
 * the end, so it is read from the spooled file, not from the request as it arrives.
 *
 * <p>Cells arrive as their stored text: numbers as written ({@code 4006381333931}, not
 * {@code 4.00638E+12}), booleans as {@code true}/{@code false}, dates as serial numbers (see
 * {@link #serialDates()}), formulas as their last computed value.
 */
final class XlsxSheetReader implements SheetReader {

  private final ReadableWorkbook workbook;
  private final Stream<Row> rows;
  private final Iterator<Row> iterator;
  private final String sheetName;

  private XlsxSheetReader(ReadableWorkbook workbook, Stream<Row> rows, String sheetName) {
    this.workbook = workbook;
    this.rows = rows;
    this.iterator = rows.iterator();
    this.sheetName = sheetName;
  }

  static XlsxSheetReader open(Path file, ImportRequest request) throws IOException {
    byte[] magic = new byte[8];
    try (InputStream in = Files.newInputStream(file)) {
      in.readNBytes(magic, 0, magic.length);
    }
    if (!ReadableWorkbook.isOOXMLZipHeader(magic)) {
      throw SheetReader.unreadable(ReadableWorkbook.isOLE2Header(magic)
          ? "this is an old binary .xls workbook; save it as .xlsx or CSV"
          : "the file is not an XLSX workbook");
    }
    ReadableWorkbook workbook;
    try {
      workbook = new ReadableWorkbook(file.toFile(), new ReadingOptions(false, false));
    } catch (IOException | RuntimeException e) {
      throw SheetReader.unreadable("the XLSX workbook cannot be read: " + e.getMessage());
    }
    try {
      Sheet sheet = request.sheet() == null ? workbook.getFirstSheet() : workbook.findSheet(request.sheet()).orElse(null);
      if (sheet == null) {
        throw SheetReader.unreadable("the workbook has no sheet named '" + request.sheet() + "'");
      }
      return new XlsxSheetReader(workbook, sheet.openStream(), sheet.getName());
    } catch (IOException | RuntimeException e) {
      workbook.close();
      throw e;
    }
  }

  @Override
  public List<String> header() throws IOException {
    SourceRow header = next();
    if (header == null) {
      throw SheetReader.unreadable("the sheet is empty: a header row naming the columns comes first");
    }
    return header.cells();
  }

  @Override
  public SourceRow next() {
    while (iterator.hasNext()) {
      Row row = iterator.next();
      List<String> cells = new ArrayList<>(row.getCellCount());
      boolean blank = true;
      for (int i = 0; i < row.getCellCount(); i++) {
        String text = text(row.getCell(i));
        blank &= text.isEmpty();
        cells.add(text);
      }
      if (!blank) {
        return new SourceRow(row.getRowNum(), cells);
      }
    }
    return null;
  }

  private static String text(Cell cell) {
    if (cell == null || cell.getType() == CellType.EMPTY) {
      return "";
    }
    if (cell.getType() == CellType.ERROR) {
      return cell.getRawValue() == null ? "" : cell.getRawValue();
    }
    String raw = cell.getRawValue();
    if (cell.getType() == CellType.BOOLEAN) {
      return "1".equals(raw) || "true".equalsIgnoreCase(raw) ? "true" : "false";
    }
    if (cell.getType() == CellType.NUMBER || (cell.getType() == CellType.FORMULA && raw != null && isNumber(raw))) {
      return raw == null ? "" : new java.math.BigDecimal(raw).stripTrailingZeros().toPlainString();
    }
    String text = cell.getText();
    return text == null ? "" : text;
  }

  private static boolean isNumber(String raw) {
    try {
      new java.math.BigDecimal(raw);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @Override
  public boolean serialDates() {
    return true;
  }

  @Override
  public JsonObject describe() {
    return new JsonObject().put("sheet", sheetName);
  }

  @Override
  public void close() throws IOException {
    rows.close();
    workbook.close();
  }
}
