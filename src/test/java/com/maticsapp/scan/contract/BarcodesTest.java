package com.maticsapp.scan.contract;

import com.maticsapp.scan.config.AppConfig.BarcodeCharset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The barcode character rule in both modes (the HTTP suite runs the default, ascii). */
class BarcodesTest {

  @ParameterizedTest
  @ValueSource(strings = {"TCK-0042", " padded ", "4006381333931", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "a b"})
  void asciiAcceptsPrintableAscii(String barcode) {
    assertThat(Barcodes.problem(barcode, BarcodeCharset.ASCII)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"１２３", "ТСК-0042", "TCK\u200B0042", "\u202Eabc", "TCK\t1", "TCK\u007F", "TCK\u00A0", "é", "\u0000"})
  void asciiRefusesEverythingElseNamingTheCodePoint(String barcode) {
    assertThat(Barcodes.problem(barcode, BarcodeCharset.ASCII)).startsWith("must be printable ASCII").contains("U+");
  }

  @ParameterizedTest
  @ValueSource(strings = {"TCK-0042", "Ünïcödé-42", "１２３", "ТСК-0042", "商品-42", "TCK\u00A00042", "emoji \uD83D\uDE00"})
  void unicodeAcceptsNfcTextWithoutInvisibles(String barcode) {
    assertThat(Barcodes.problem(barcode, BarcodeCharset.UNICODE)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"TCK\u200B0042", "\u202Eabc", "\uFEFFabc", "TCK\t1", "TCK\u0000", "TCK\u0085", "TCK\uE000",
      "TCK\u2028", "TCK\uD800", "TCK\u0378"})
  void unicodeRefusesControlFormatPrivateUseUnassignedAndSeparators(String barcode) {
    assertThat(Barcodes.problem(barcode, BarcodeCharset.UNICODE)).startsWith("must not contain").contains("U+");
  }

  @ParameterizedTest
  @ValueSource(strings = {"e\u0301", "\u212B", "A\u030A"})
  void unicodeRefusesTextThatIsNotInNfc(String barcode) {
    assertThat(Barcodes.problem(barcode, BarcodeCharset.UNICODE)).isEqualTo("must be in Unicode normalisation form NFC");
  }
}
