package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ImportRequest;
import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import io.vertx.core.json.JsonObject;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * A CSV file as Excel, LibreOffice and the usual exports write it, read with FastCSV:
 * RFC 4180 quoting (quoted delimiters and line breaks), CRLF or LF, blank lines skipped.
 *
 * <p>The character set comes from the request, else from a byte-order mark (UTF-8, UTF-16LE,
 * UTF-16BE), else from the first 64 KiB: zero bytes in every other position mean UTF-16 without
 * a mark; valid UTF-8 means UTF-8; anything else is read as Windows-1252 (Excel's "CSV" on
 * Western-European Windows). The delimiter comes from the request, else it is whichever of
 * {@code , ; tab |} occurs most often outside quotes in the header line.
 */
final class CsvSheetReader implements SheetReader {

  private static final int SNIFF_BYTES = 64 * 1024;
  private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

  private final CsvReader<CsvRecord> csv;
  private final Iterator<CsvRecord> records;
  private final Charset charset;
  private final char delimiter;
  private final String detected;

  private CsvSheetReader(CsvReader<CsvRecord> csv, Charset charset, char delimiter, String detected) {
    this.csv = csv;
    this.records = csv.iterator();
    this.charset = charset;
    this.delimiter = delimiter;
    this.detected = detected;
  }

  static CsvSheetReader open(Path file, ImportRequest request) throws IOException {
    byte[] head = new byte[SNIFF_BYTES];
    int length;
    try (InputStream in = Files.newInputStream(file)) {
      length = in.readNBytes(head, 0, head.length);
    }
    int bom = 0;
    Charset charset = request.encoding();
    String how = "requested";
    if (length >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf) {
      bom = 3;
      charset = charset == null ? StandardCharsets.UTF_8 : charset;
      how = request.encoding() == null ? "byte-order mark" : how;
    } else if (length >= 2 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xfe) {
      bom = 2;
      charset = charset == null ? StandardCharsets.UTF_16LE : charset;
      how = request.encoding() == null ? "byte-order mark" : how;
    } else if (length >= 2 && (head[0] & 0xff) == 0xfe && (head[1] & 0xff) == 0xff) {
      bom = 2;
      charset = charset == null ? StandardCharsets.UTF_16BE : charset;
      how = request.encoding() == null ? "byte-order mark" : how;
    }
    if (charset == null) {
      charset = sniff(head, length);
      how = "content";
    }
    if (charset.equals(StandardCharsets.UTF_16) && bom == 0) {
      charset = StandardCharsets.UTF_16BE; // Java's UTF-16 without a mark is big-endian
    }
    String firstLine = firstLine(new String(head, bom, length - bom, charset));
    char delimiter = request.delimiter() != null ? request.delimiter() : guessDelimiter(firstLine);
    InputStream body = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    body.skipNBytes(bom);
    Reader reader = new InputStreamReader(body, charset.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
    CsvReader<CsvRecord> csv = CsvReader.builder()
        .fieldSeparator(delimiter)
        .quoteCharacter('"')
        .skipEmptyLines(true)
        .ignoreDifferentFieldCount(true)
        .ofCsvRecord(reader);
    return new CsvSheetReader(csv, charset, delimiter, how);
  }

  /** UTF-16 without a mark, UTF-8 when the sample decodes, else Windows-1252. */
  private static Charset sniff(byte[] head, int length) {
    int evenZeros = 0;
    int oddZeros = 0;
    for (int i = 0; i < length; i++) {
      if (head[i] == 0) {
        if (i % 2 == 0) {
          evenZeros++;
        } else {
          oddZeros++;
        }
      }
    }
    if (length >= 4 && oddZeros > length / 4 && evenZeros == 0) {
      return StandardCharsets.UTF_16LE;
    }
    if (length >= 4 && evenZeros > length / 4 && oddZeros == 0) {
      return StandardCharsets.UTF_16BE;
    }
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer bytes = ByteBuffer.wrap(head, 0, length);
    CharBuffer chars = CharBuffer.allocate(length + 1);
    // A multi-byte sequence cut off by the end of the sample is not an error: decode without
    // "end of input" and ignore what stays undecoded.
    if (utf8.decode(bytes, chars, length < SNIFF_BYTES).isError()) {
      return WINDOWS_1252;
    }
    return StandardCharsets.UTF_8;
  }

  private static String firstLine(String text) {
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end);
  }

  /** The candidate that occurs most often outside double quotes in the header line; comma on a tie. */
  static char guessDelimiter(String headerLine) {
    char[] candidates = {',', ';', '\t', '|'};
    int[] counts = new int[candidates.length];
    boolean quoted = false;
    for (int i = 0; i < headerLine.length(); i++) {
      char c = headerLine.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted) {
        for (int k = 0; k < candidates.length; k++) {
          if (c == candidates[k]) {
            counts[k]++;
          }
        }
      }
    }
    int best = 0;
    for (int k = 1; k < candidates.length; k++) {
      if (counts[k] > counts[best]) {
        best = k;
      }
    }
    return candidates[best];
  }

  @Override
  public List<String> header() throws IOException {
    SourceRow header = next();
    if (header == null) {
      throw SheetReader.unreadable("the file is empty: a header row naming the columns comes first");
    }
    return header.cells();
  }

  @Override
  public SourceRow next() throws IOException {
    try {
      while (records.hasNext()) {
        CsvRecord record = records.next();
        if (record.getFields().stream().allMatch(String::isBlank)) {
          continue; // a line of spaces or of bare delimiters, as spreadsheets leave at the end
        }
        return new SourceRow(record.getStartingLineNumber(), record.getFields());
      }
      return null;
    } catch (CsvParseException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CharacterCodingException || cause instanceof java.io.UncheckedIOException unchecked
          && unchecked.getCause() instanceof CharacterCodingException) {
        throw SheetReader.unreadable("the file is not valid " + charset.name() + "; choose the encoding with ?encoding=");
      }
      throw SheetReader.unreadable("the file is not readable CSV: " + e.getMessage());
    } catch (java.io.UncheckedIOException e) {
      if (e.getCause() instanceof CharacterCodingException) {
        throw SheetReader.unreadable("the file is not valid " + charset.name() + "; choose the encoding with ?encoding=");
      }
      throw e.getCause();
    }
  }

  @Override
  public boolean serialDates() {
    return false;
  }

  @Override
  public JsonObject describe() {
    return new JsonObject()
        .put("encoding", charset.name())
        .put("encoding_from", detected)
        .put("delimiter", String.valueOf(delimiter));
  }

  char delimiter() {
    return delimiter;
  }

  @Override
  public void close() throws IOException {
    csv.close();
  }
}
