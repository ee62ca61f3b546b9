package com.maticsapp.scan.contract;

import com.maticsapp.scan.config.AppConfig.BarcodeCharset;

import java.text.Normalizer;

/**
 * Which characters a scanned or looked-up barcode may hold ({@code limits.barcodeCharset}).
 *
 * <p>{@code ascii} (the default): printable ASCII only, U+0020 to U+007E. Symbologies encode
 * ASCII, and anything else in a scan is a keyboard-wedge or decoding artefact or a spoof:
 * full-width digits ("１２３"), Cyrillic or Greek letters that look Latin, zero-width spaces,
 * bidirectional overrides. Each of them would silently fail to match the Latin-ASCII value
 * in the row, so it is refused with 422 instead.
 *
 * <p>{@code unicode}: any text that is already in NFC and holds no control (Cc), format (Cf,
 * e.g. zero-width and bidirectional controls), private-use (Co), unassigned (Cn), line or
 * paragraph separator (Zl, Zp) character and no unpaired surrogate. Look-alike letters from
 * other scripts are allowed in this mode; it is for tables whose barcodes really are text.
 */
public final class Barcodes {

  private Barcodes() {}

  /** Null when {@code barcode} is allowed under {@code charset}; otherwise what is wrong with it. */
  public static String problem(String barcode, BarcodeCharset charset) {
    return charset == BarcodeCharset.ASCII ? asciiProblem(barcode) : unicodeProblem(barcode);
  }

  private static String asciiProblem(String barcode) {
    for (int i = 0; i < barcode.length(); i++) {
      char c = barcode.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return "must be printable ASCII (U+0020 to U+007E); found " + describe(barcode.codePointAt(i)) + " at index " + i;
      }
    }
    return null;
  }

  private static String unicodeProblem(String barcode) {
    for (int i = 0; i < barcode.length(); ) {
      int codePoint = barcode.codePointAt(i);
      if (!allowed(codePoint)) {
        return "must not contain control, format, private-use, unassigned or separator characters; found "
            + describe(codePoint) + " at index " + i;
      }
      i += Character.charCount(codePoint);
    }
    if (!Normalizer.isNormalized(barcode, Normalizer.Form.NFC)) {
      return "must be in Unicode normalisation form NFC";
    }
    return null;
  }

  private static boolean allowed(int codePoint) {
    return switch (Character.getType(codePoint)) {
      case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE, Character.UNASSIGNED,
           Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
      default -> true;
    };
  }

  private static String describe(int codePoint) {
    return String.format("U+%04X", codePoint);
  }
}
