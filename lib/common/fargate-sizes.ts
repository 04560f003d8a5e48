import { Token } from 'aws-cdk-lib';

/**
 * The task sizes Fargate accepts (Linux): for each CPU value, the memory
 * values (MiB) it can be combined with.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
const FARGATE_MEMORY_BY_CPU: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** The memory values (MiB) Fargate accepts with `cpu`, or undefined for an invalid CPU value. */
export function validFargateMemory(cpu: number): number[] | undefined {
  return FARGATE_MEMORY_BY_CPU[cpu];
}

/**
 * Throws unless `cpu` / `memoryLimitMiB` is a task size Fargate accepts, with
 * a message listing the valid memory values for the given CPU.
 */
export function validateFargateTaskSize(cpu: number, memoryLimitMiB: number): void {
  if (Token.isUnresolved(cpu)) return;
  const memories = validFargateMemory(cpu);
  if (!memories) {
    throw new Error(
      `cpu must be one of ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')} (Fargate CPU units, 1024 = 1 vCPU); received ${cpu}`,
    );
  }
  if (Token.isUnresolved(memoryLimitMiB)) return;
  if (!memories.includes(memoryLimitMiB)) {
    throw new Error(
      `memoryLimitMiB ${memoryLimitMiB} is not a valid Fargate task size with cpu ${cpu}; valid memoryLimitMiB values for cpu ${cpu} are ${memories.join(', ')}`,
    );
  }
}
