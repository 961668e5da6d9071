import { collectGarbage } from '../gc';

export interface ProcessUsage {
  rssMb: number;
  heapUsedMb: number;
  /** CPU time over the window as a percentage of one core. */
  cpuPercent: number;
}

/** This process's memory after a full GC, and its CPU use over `windowMs` of doing nothing else. */
export async function measureIdleUsage(windowMs: number): Promise<ProcessUsage> {
  collectGarbage();
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - began;
  const memory = process.memoryUsage();
  return {
    rssMb: memory.rss / 2 ** 20,
    heapUsedMb: memory.heapUsed / 2 ** 20,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
  };
}
