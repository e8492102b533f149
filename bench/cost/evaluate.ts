/**
 * How a set of requests and limits would have fared against the second week's demand, in
 * 5-minute bins of each pod's container (CPU: the bin's mean; memory: its peak), as the issue
 * defines the scores:
 * - slack: sum of (request - usage) over sum of request, per resource and priced (the pool's
 *   price per core-hour and GiB-hour weighs CPU and memory into one dollar figure);
 * - bins above request: the share of bins whose usage exceeds the request;
 * - simulated OOM kills: bins whose memory peak exceeds the limit.
 */
import { BYTES_PER_GIB, type ResourcePrices } from '../../functions/core/cost/pricing.ts';
import type { Resources } from '../../functions/core/cost/recommendation.ts';

export const BIN_SECONDS = 300;

export interface Scores {
  bins: number;
  cpuSlack: number;
  memorySlack: number;
  /** (request - usage) x price over request x price, CPU and memory together. */
  costSlack: number;
  cpuBinsAboveRequest: number;
  memoryBinsAboveRequest: number;
  oomKills: number;
  /** Containers with at least one simulated OOM kill. */
  containersKilled: number;
  /** What the requests cost over the week, all pools. */
  requestedUsd: number;
}

export class Evaluation {
  #bins = 0;
  #cpuRequested = 0;
  #cpuUsed = 0;
  #memoryRequested = 0;
  #memoryUsed = 0;
  #usdRequested = 0;
  #usdUsed = 0;
  #cpuAbove = 0;
  #memoryAbove = 0;
  #oom = 0;
  readonly #killed = new Set<string>();

  /** One bin of one container under `resources`. */
  add(
    container: string,
    resources: Resources,
    prices: ResourcePrices,
    cpuCores: number,
    memoryBytes: number,
  ): void {
    const cpuRequest = resources.requests.cpuCores ?? 0;
    const memoryRequest = resources.requests.memoryBytes ?? 0;
    this.#bins += 1;
    this.#cpuRequested += cpuRequest;
    this.#cpuUsed += cpuCores;
    this.#memoryRequested += memoryRequest;
    this.#memoryUsed += memoryBytes;
    const hours = BIN_SECONDS / 3600;
    this.#usdRequested +=
      (cpuRequest * prices.usdPerCoreHour + (memoryRequest / BYTES_PER_GIB) * prices.usdPerGiBHour) * hours;
    this.#usdUsed +=
      (cpuCores * prices.usdPerCoreHour + (memoryBytes / BYTES_PER_GIB) * prices.usdPerGiBHour) * hours;
    if (cpuCores > cpuRequest) this.#cpuAbove += 1;
    if (memoryBytes > memoryRequest) this.#memoryAbove += 1;
    const limit = resources.limits.memoryBytes;
    if (limit !== undefined && memoryBytes > limit) {
      this.#oom += 1;
      this.#killed.add(container);
    }
  }

  scores(): Scores {
    return {
      bins: this.#bins,
      cpuSlack: (this.#cpuRequested - this.#cpuUsed) / this.#cpuRequested,
      memorySlack: (this.#memoryRequested - this.#memoryUsed) / this.#memoryRequested,
      costSlack: (this.#usdRequested - this.#usdUsed) / this.#usdRequested,
      cpuBinsAboveRequest: this.#cpuAbove / this.#bins,
      memoryBinsAboveRequest: this.#memoryAbove / this.#bins,
      oomKills: this.#oom,
      containersKilled: this.#killed.size,
      requestedUsd: this.#usdRequested,
    };
  }
}
