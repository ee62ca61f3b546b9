// The camera and the decoder. BarcodeDetector where the browser has it (Chrome on Android and
// macOS) for the formats it supports, else the barcode-detector ponyfill on zxing-wasm (iOS
// Safari, Firefox, desktop Linux). The WebAssembly is served by the service itself: the
// ponyfill's default is a CDN, which the Content-Security-Policy would refuse anyway.
import { BarcodeDetector as ZXingDetector, prepareZXingModule } from 'barcode-detector/ponyfill';

prepareZXingModule({
  overrides: {
    // __ZXING_WASM_URL__ is the content-hashed path the build gave the .wasm (build.mjs).
    locateFile: (path, prefix) => (path.endsWith('.wasm') ? __ZXING_WASM_URL__ : prefix + path),
  },
});

export const FORMATS = ['ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128', 'code_39', 'code_93', 'codabar',
  'itf', 'qr_code', 'data_matrix', 'pdf417', 'aztec'];

/** How long a code must be out of view before the camera may submit it again. */
const AWAY_MS = 2500;
/** Frames are decoded at most this often (ms): enough for a door, light on a phone's battery. */
const FRAME_MS = 120;

async function detector() {
  if ('BarcodeDetector' in window) {
    try {
      const supported = await window.BarcodeDetector.getSupportedFormats();
      const formats = FORMATS.filter((f) => supported.includes(f));
      if (formats.includes('qr_code') && formats.includes('ean_13')) {
        return { impl: new window.BarcodeDetector({ formats }), name: 'native' };
      }
    } catch { /* fall through to the ponyfill */ }
  }
  return { impl: new ZXingDetector({ formats: FORMATS }), name: 'zxing-wasm' };
}

/**
 * Runs the camera into {@code video} and calls onCode(text) once per code that comes into
 * view: a code held in front of the camera is reported once, and again only after it has been
 * out of view for AWAY_MS.
 */
export class Camera {
  constructor(video, onCode, onState) {
    this.video = video;
    this.onCode = onCode;
    this.onState = onState;
    this.lastSeen = new Map();
    this.running = false;
  }

  async start() {
    if (this.running) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.onState('No camera here (the page needs HTTPS or localhost): use the barcode field');
      return;
    }
    this.onState('Starting camera…');
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (e) {
      this.onState(`Camera unavailable (${e.name}): use the barcode field`);
      return;
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
    const { impl, name } = await detector();
    this.detector = impl;
    this.running = true;
    this.onState(`Camera on · ${name}`);
    this.loop();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
    this.onState('Camera off');
  }

  async loop() {
    if (!this.running) return;
    const started = performance.now();
    if (this.video.readyState >= 2) {
      try {
        const codes = await this.detector.detect(this.video);
        this.seen(codes.map((c) => c.rawValue).filter((v) => v));
      } catch (e) {
        this.onState(`Decoder error: ${e.message || e}`);
      }
    }
    const spent = performance.now() - started;
    this.timer = setTimeout(() => this.loop(), Math.max(0, FRAME_MS - spent));
  }

  seen(values) {
    const now = Date.now();
    for (const value of values) {
      const last = this.lastSeen.get(value);
      this.lastSeen.set(value, now);
      if (last === undefined || now - last > AWAY_MS) this.onCode(value);
    }
    for (const [value, at] of this.lastSeen) if (now - at > 10 * AWAY_MS) this.lastSeen.delete(value);
  }
}
