/**
 * Per-kernel wall time of whatever runs inside `profileKernels`, on the wasm backend. Every kernel
 * registered for `wasm` is wrapped while it runs: wasm kernels are synchronous, so the time from
 * entering a kernel function to its return is that kernel's cost. Kernels that call other kernels
 * (the project's composed gradients) are charged in full, and the kernels they call are listed
 * under them as `Outer > Inner` (not added to the total again).
 */
import { getKernelsForBackend, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

export async function profileKernels<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; kernels: KernelTime[]; totalMs: number; kernelMs: number }> {
  const originals = getKernelsForBackend('wasm');
  const stats = new Map<string, KernelTime>();
  const stack: string[] = [];
  const wrap = (config: KernelConfig): KernelConfig => {
    const inner = config.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      const key = stack.length === 0 ? config.kernelName : `${stack[0]} > ${config.kernelName}`;
      stack.push(config.kernelName);
      const start = performance.now();
      try {
        return inner(args);
      } finally {
        const ms = performance.now() - start;
        stack.pop();
        const s = stats.get(key) ?? { kernel: key, calls: 0, ms: 0 };
        s.calls++;
        s.ms += ms;
        stats.set(key, s);
      }
    };
    return { ...config, kernelFunc };
  };
  const swap = (configs: KernelConfig[]) => {
    for (const c of configs) {
      unregisterKernel(c.kernelName, 'wasm');
      registerKernel(c);
    }
  };
  swap(originals.map(wrap));
  const start = performance.now();
  try {
    const result = await fn();
    const totalMs = performance.now() - start;
    const kernels = [...stats.values()].sort((a, b) => b.ms - a.ms);
    const kernelMs = kernels.filter((k) => !k.kernel.includes(' > ')).reduce((a, k) => a + k.ms, 0);
    return { result, kernels, totalMs, kernelMs };
  } finally {
    swap(originals);
  }
}
