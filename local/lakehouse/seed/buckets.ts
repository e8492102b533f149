import { createHash } from 'node:crypto';
import type { PlatformLayout } from '../../../functions/core/platform/layout.ts';

/**
 * The object-store contents of the seeded lakehouse: the probe bucket the health check writes to,
 * a Hive-partitioned `market-data` bucket of exchange trades and OHLCV candles, and `lakehouse`
 * with table prefixes. Object bodies are deterministic synthetic Parquet-shaped bytes, so checksums
 * are stable across runs and a backup or restore can be verified byte for byte.
 */

export interface SeedObject {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
}

export const MARKET_DATA_BUCKET = 'market-data';
export const LAKEHOUSE_BUCKET = 'lakehouse';
const EXCHANGES = ['binance', 'coinbase', 'kraken'] as const;
const DATES = ['2025-01-13', '2025-01-14', '2025-01-15', '2025-01-16'] as const;
const PARQUET_MAGIC = Buffer.from('PAR1');

export function seedBuckets(layout: PlatformLayout): string[] {
  return [layout.minio.probeBucket, MARKET_DATA_BUCKET, LAKEHOUSE_BUCKET];
}

export function seedObjects(): SeedObject[] {
  const objects: SeedObject[] = [];
  for (const exchange of EXCHANGES) {
    for (const date of DATES) {
      objects.push(parquet(MARKET_DATA_BUCKET, `trades/exchange=${exchange}/date=${date}/part-0000.parquet`));
      objects.push(
        parquet(MARKET_DATA_BUCKET, `ohlcv/exchange=${exchange}/interval=1m/date=${date}/part-0000.parquet`),
      );
    }
  }
  for (const table of ['trades_daily', 'ohlcv_hourly']) {
    objects.push(
      json(LAKEHOUSE_BUCKET, `warehouse/${table}/metadata/v1.metadata.json`, {
        format: 'iceberg',
        version: 2,
        table,
      }),
    );
    for (const date of DATES.slice(0, 2)) {
      objects.push(parquet(LAKEHOUSE_BUCKET, `warehouse/${table}/data/date=${date}/00000-0-data.parquet`));
    }
  }
  return objects;
}

/** Between 2 and 8 KiB of bytes derived from the key, framed by Parquet's magic number. */
function parquet(bucket: string, key: string): SeedObject {
  const seed = createHash('sha256').update(key).digest();
  const size = 2048 + (seed.readUInt16BE(0) % 6144);
  const blocks: Buffer[] = [];
  for (let block = seed, length = 0; length < size; length += block.length) {
    block = createHash('sha256').update(block).digest();
    blocks.push(block);
  }
  return {
    bucket,
    key,
    body: Buffer.concat([PARQUET_MAGIC, Buffer.concat(blocks).subarray(0, size), PARQUET_MAGIC]),
  };
}

function json(bucket: string, key: string, content: object): SeedObject {
  return { bucket, key, body: Buffer.from(`${JSON.stringify(content, null, 2)}\n`) };
}
