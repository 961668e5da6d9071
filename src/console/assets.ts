import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A static file of the console, served under a name that changes whenever its content does. */
export interface Asset {
  /** e.g. /console/assets/console.3f2a9c1d0b.js */
  url: string;
  body: Uint8Array;
  contentType: string;
}

const ownDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const uplotDir = path.join(path.dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');

/** Logical name → file on disk; uPlot comes from its npm package, so nothing is fetched from a CDN. */
const sources = {
  'console.js': path.join(ownDir, 'console.js'),
  'console.css': path.join(ownDir, 'console.css'),
  'uplot.js': path.join(uplotDir, 'uPlot.iife.min.js'),
  'uplot.css': path.join(uplotDir, 'uPlot.min.css'),
} as const;

export type AssetName = keyof typeof sources;

const contentTypes: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** Reads and hashes every asset once, at start-up; the URLs then stay valid for the process's life. */
export function loadAssets(): { byName: Record<AssetName, Asset>; byUrl: Map<string, Asset> } {
  const byName = {} as Record<AssetName, Asset>;
  const byUrl = new Map<string, Asset>();
  for (const [name, file] of Object.entries(sources) as [AssetName, string][]) {
    const body = new Uint8Array(readFileSync(file));
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
    const ext = path.extname(name);
    const asset = { url: `/console/assets/${path.basename(name, ext)}.${hash}${ext}`, body, contentType: contentTypes[ext]! };
    byName[name] = asset;
    byUrl.set(asset.url, asset);
  }
  return { byName, byUrl };
}
