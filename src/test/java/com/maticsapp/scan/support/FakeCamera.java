package com.maticsapp.scan.support;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.EncodeHintType;
import com.google.zxing.MultiFormatReader;
import com.google.zxing.MultiFormatWriter;
import com.google.zxing.NotFoundException;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A video for Chromium's fake camera ({@code --use-file-for-fake-video-capture}): real barcodes
 * drawn by ZXing's encoder into Y4M frames (4:2:0, grey: chroma 128). Chromium loops the file.
 * Each shot is a barcode held in view for a while, then an empty view, so the page sees a code
 * come, stay and go, as at a door.
 */
public final class FakeCamera {

  public static final int WIDTH = 640;
  public static final int HEIGHT = 480;
  public static final int FPS = 5;

  /** One barcode in view for {@code seconds}, followed by an empty view for {@code gapSeconds}. */
  public record Shot(BarcodeFormat format, String contents, int seconds, int gapSeconds) {}

  private FakeCamera() {}

  /** Writes the shots, in order, to {@code file}. */
  public static Path write(Path file, List<Shot> shots) {
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(("YUV4MPEG2 W" + WIDTH + " H" + HEIGHT + " F" + FPS + ":1 Ip A1:1 C420jpeg\n").getBytes(StandardCharsets.US_ASCII));
      byte[] blank = frame(null);
      for (Shot shot : shots) {
        byte[] coded = frame(draw(shot.format(), shot.contents()));
        for (int i = 0; i < shot.seconds() * FPS; i++) {
          writeFrame(out, coded);
        }
        for (int i = 0; i < shot.gapSeconds() * FPS; i++) {
          writeFrame(out, blank);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static void writeFrame(OutputStream out, byte[] frame) throws IOException {
    out.write("FRAME\n".getBytes(StandardCharsets.US_ASCII));
    out.write(frame);
  }

  /** The barcode as ZXing's writer draws it, sized to fill most of the frame's width. */
  private static BitMatrix draw(BarcodeFormat format, String contents) {
    boolean square = format == BarcodeFormat.QR_CODE || format == BarcodeFormat.DATA_MATRIX;
    int width = square ? 320 : 520;
    int height = square ? 320 : 240;
    try {
      return new MultiFormatWriter().encode(contents, format, width, height, Map.of(EncodeHintType.MARGIN, 4));
    } catch (WriterException e) {
      throw new IllegalArgumentException("ZXing cannot draw " + format + " " + contents, e);
    }
  }

  /** One Y4M frame: a white picture with the matrix centred (black modules), grey chroma. */
  private static byte[] frame(BitMatrix matrix) {
    int luma = WIDTH * HEIGHT;
    byte[] frame = new byte[luma + luma / 2];
    Arrays.fill(frame, 0, luma, (byte) 235);
    Arrays.fill(frame, luma, frame.length, (byte) 128);
    if (matrix != null) {
      int left = (WIDTH - matrix.getWidth()) / 2;
      int top = (HEIGHT - matrix.getHeight()) / 2;
      for (int y = 0; y < matrix.getHeight(); y++) {
        for (int x = 0; x < matrix.getWidth(); x++) {
          if (matrix.get(x, y)) {
            frame[(top + y) * WIDTH + left + x] = (byte) 16;
          }
        }
      }
    }
    return frame;
  }

  /** The text of the QR code ZXing finds in a PNG (e.g. a screenshot of the desk), or null. */
  public static String readQrCode(byte[] png) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image)));
      return new MultiFormatReader().decode(bitmap, Map.of(
          DecodeHintType.POSSIBLE_FORMATS, List.of(BarcodeFormat.QR_CODE),
          DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText();
    } catch (NotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
