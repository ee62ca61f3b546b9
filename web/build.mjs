// Builds the phone and desk pages into one directory the service serves from its class path:
//   pair.html, desk.html, sw.js, manifest.webmanifest  (stable names, revalidated by browsers)
//   assets/<name>-<hash>.<ext>                          (content-hashed, cached for a year)
//   files.json                                          (what exists: the service serves nothing else)
// Usage: node build.mjs [outdir]   (default: ../target/generated-resources/web)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, '..', 'target', 'generated-resources', 'web'));
const src = join(here, 'src');

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });

const assets = [];
async function hashed(name, ext, content) {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 12);
  const file = `${name}-${hash}.${ext}`;
  await writeFile(join(out, 'assets', file), content);
  assets.push(file);
  return `/assets/${file}`;
}

// The decoder's WebAssembly comes from this origin, never from a CDN (see scanner.js).
const wasm = await hashed('zxing_reader', 'wasm',
  await readFile(join(here, 'node_modules', 'zxing-wasm', 'dist', 'reader', 'zxing_reader.wasm')));
const style = await hashed('style', 'css', await readFile(join(src, 'style.css')));
const icon = await hashed('icon', 'svg', await readFile(join(src, 'icon.svg')));

async function bundle(entry, define = {}) {
  const result = await build({
    entryPoints: [join(src, entry)],
    bundle: true,
    format: 'esm',
    target: ['es2020', 'safari15'],
    minify: true,
    sourcemap: false,
    write: false,
    legalComments: 'none',
    define,
  });
  return result.outputFiles[0].contents;
}

const phone = await hashed('phone', 'js', await bundle('phone.js', { __ZXING_WASM_URL__: JSON.stringify(wasm) }));
const desk = await hashed('desk', 'js', await bundle('desk.js'));

async function page(name, script) {
  const html = (await readFile(join(src, name), 'utf8'))
    .replaceAll('{{style}}', style)
    .replaceAll('{{script}}', script)
    .replaceAll('{{icon}}', icon);
  await writeFile(join(out, name), html);
}
await page('pair.html', phone);
await page('desk.html', desk);

const manifest = JSON.parse(await readFile(join(src, 'manifest.webmanifest'), 'utf8'));
manifest.icons = [{ src: icon, sizes: 'any', type: 'image/svg+xml', purpose: 'any' }];
await writeFile(join(out, 'manifest.webmanifest'), JSON.stringify(manifest, null, 2));

// The app shell the service worker keeps: the phone page and everything it loads.
const shell = ['/pair', '/manifest.webmanifest', phone, style, icon, wasm];
const version = createHash('sha256').update(shell.join('\n')).digest('hex').slice(0, 12);
await writeFile(join(out, 'sw.js'), await bundle('sw.js', {
  __SHELL__: JSON.stringify(shell),
  __VERSION__: JSON.stringify(version),
}));

await writeFile(join(out, 'files.json'), JSON.stringify({
  pages: ['pair.html', 'desk.html', 'sw.js', 'manifest.webmanifest'],
  assets,
}, null, 2));
console.log(`web: ${assets.length} assets, shell ${version}, into ${out}`);
