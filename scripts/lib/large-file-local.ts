/**
 * Runs the large-file state machine locally: the SYNTHESIZED Amazon States Language definition, executed by
 * aws-local-stepfunctions, with every Task state mapped to the real step code (lib/inventory/handler/large-file,
 * the source or the bundle), S3 on s3rver and DynamoDB on dynalite.
 *
 * aws-local-stepfunctions runs Map states over an array in the state; it has no Distributed Map features. This
 * player replaces the Distributed Map with a Task state (keeping the map's ResultPath, Catch and transition) whose
 * local handler plays the map run, and nothing else:
 * - ItemReader (S3 CSV, header in the first row): one streaming pass over the CSV in s3rver finds where each
 *   batch starts and ends (byte offsets); the batch's rows are read and turned into items (`index`, `row` by
 *   header name, as the definition's ItemSelector asks) only when its child workflow runs, so memory stays
 *   bounded for millions of rows;
 * - ItemBatcher: batches of MaxItemsPerBatch items, cut earlier at MaxInputBytesPerBatch; BatchInput evaluated
 *   from the definition's paths;
 * - the map run: each batch's child workflow is the definition's ItemProcessor, executed by aws-local-stepfunctions
 *   (its Retry included), at most MaxConcurrency at once; once the failed batches' items exceed
 *   ToleratedFailurePercentage the map fails with States.ExceedToleratedFailureThreshold (and the map's Catch
 *   applies): children still running are ABORTED (locally their step is awaited, so nothing writes after the map
 *   failed) and the rest are never started (PENDING);
 * - ResultWriter: `<Prefix>/<map run id>/manifest.json` with SUCCEEDED_n.json, FAILED_n.json (failed and
 *   aborted children, with their input) and PENDING_n.json (with their input), the layout Step Functions writes,
 *   also when the map run fails; a map that succeeds returns `{ MapRunArn, ResultWriterDetails }`, as in AWS.
 *   JSON Lines or one JSON array per file, as the ResultWriter's WriterConfig asks (Transformation NONE only:
 *   every record with its Input); files are cut at 32 MiB instead of 5 GB.
 * The player refuses a definition whose map it does not know.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { parse } from 'csv-parse';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node.js 22+); this repository supports Node.js 20.
const promises = Promise as unknown as { withResolvers?: () => unknown };
promises.withResolvers ??= () => {
  let resolve!: (value: unknown) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/**
 * The definitions (as JSON text) aws-local-stepfunctions has validated in this process. Its validation
 * (asl-validator) compiles its JSON schemas anew for every StateMachine, about half a second of CPU each; a
 * definition found valid once is run unchecked after that (a test file or the benchmark runs the same definition
 * and its child workflow many times).
 */
const validatedDefinitions = new Set<string>();

function stateMachine(definition: Record<string, unknown>): StateMachine {
  const text = JSON.stringify(definition);
  const machine = new StateMachine(definition as never, {
    validationOptions: validatedDefinitions.has(text) ? { noValidate: true } : { checkArn: false, checkPaths: false },
  });
  validatedDefinitions.add(text);
  return machine;
}

/** A Task state's local implementation: the Lambda function's handler (event in, result out). */
export type StepHandler = (event: unknown) => Promise<unknown>;

export interface LocalRunOptions {
  /** The synthesized definition (DefinitionString resolved to JSON). */
  readonly definition: Record<string, unknown>;
  /** The worker's handler (source: lib/inventory/handler/large-file/worker.ts, or the bundle's). */
  readonly worker: StepHandler;
  readonly s3: S3Client;
  /** The execution's input, as the router starts it: `{ object: { bucket, key, versionId?, size } }`. */
  readonly input: { readonly object: Record<string, unknown> };
  readonly executionName: string;
  /** Called after every batch (progress). */
  readonly onBatch?: (result: { rowsWritten: number; rowsTotal: number }) => void;
}

export interface LocalRunResult {
  readonly output: unknown;
  readonly batches: number;
}

interface MapState {
  ItemReader?: {
    Resource?: string;
    ReaderConfig?: { InputType?: string; CSVHeaderLocation?: string };
    Parameters?: Record<string, string>;
  };
  ItemSelector?: Record<string, string>;
  ItemBatcher?: { MaxItemsPerBatch?: number; MaxInputBytesPerBatch?: number; BatchInput?: Record<string, string> };
  ResultWriter?: {
    Resource?: string;
    Parameters?: Record<string, string>;
    WriterConfig?: { OutputType?: 'JSON' | 'JSONL'; Transformation?: string };
  };
  ItemProcessor?: { ProcessorConfig?: unknown; StartAt: string; States: Record<string, unknown> };
  ItemsPath?: string;
  ToleratedFailurePercentage?: number;
  MaxConcurrency?: number;
  Label?: string;
  [key: string]: unknown;
}

interface LocalRange {
  readonly start: number;
  readonly end: number;
  readonly firstIndex: number;
  readonly count: number;
}

/** `$.a.b` against an object (the only JSONPath form the played fields use). */
function pathValue(state: unknown, path: string): unknown {
  if (path === '$') return state;
  if (!path.startsWith('$.')) throw new Error(`the local player evaluates only '$.a.b' paths; received '${path}'`);
  return path
    .slice(2)
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], state);
}

/** Evaluates a payload template of `name.$: '$.path'` and literal fields. */
function evaluate(template: Record<string, string>, state: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(template)) {
    if (name.endsWith('.$')) out[name.slice(0, -2)] = pathValue(state, value);
    else out[name] = value;
  }
  return out;
}

async function readBytes(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId: unknown,
  range?: string,
): Promise<Buffer> {
  const response = await s3.send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      VersionId: typeof versionId === 'string' && versionId !== 'null' ? versionId : undefined,
      Range: range,
    }),
  );
  return Buffer.from(await response.Body!.transformToByteArray());
}

/** Finds the one Distributed Map of the definition and checks the player knows its reader. */
function findMap(definition: Record<string, unknown>): [string, MapState] {
  const states = definition.States as Record<string, MapState>;
  const maps = Object.entries(states).filter(([, s]) => s.Type === 'Map' && s.ItemReader);
  if (maps.length !== 1)
    throw new Error(`the local player expects one Distributed Map with an ItemReader; found ${maps.length}`);
  const [name, map] = maps[0];
  const reader = map.ItemReader!;
  if (
    !/:states:::s3:getObject$/.test(reader.Resource ?? '') ||
    reader.ReaderConfig?.InputType !== 'CSV' ||
    reader.ReaderConfig.CSVHeaderLocation !== 'FIRST_ROW'
  ) {
    throw new Error(
      `the local player plays only the S3 CSV item reader with the header in the first row; ${name} has ${JSON.stringify(reader)}`,
    );
  }
  const selector = JSON.stringify(map.ItemSelector);
  if (selector !== JSON.stringify({ 'index.$': '$$.Map.Item.Index', 'row.$': '$$.Map.Item.Value' })) {
    throw new Error(`the local player plays only the ItemSelector { index, row }; ${name} has ${selector}`);
  }
  if (!/:states:::s3:putObject$/.test(map.ResultWriter?.Resource ?? '')) {
    throw new Error(`the local player plays only the S3 ResultWriter; ${name} has ${JSON.stringify(map.ResultWriter)}`);
  }
  return [name, map];
}

/**
 * One pass over the CSV: the byte range of each batch (the played ItemReader + ItemBatcher). The header row is
 * the first record; every later record is an item.
 */
async function batchRanges(
  csv: Buffer,
  maxItems: number,
  maxBytes: number,
  overhead: number,
): Promise<{ header: string[]; ranges: LocalRange[] }> {
  const parser = parse({ info: true, bom: true, relax_column_count: true, relax_quotes: true });
  const ranges: LocalRange[] = [];
  let header: string[] | undefined;
  let start = 0;
  let count = 0;
  let bytes = overhead;
  let index = 0;
  let lastEnd = 0;
  const done = new Promise<void>((resolve, reject) => {
    parser.on('readable', () => {
      let entry: { record: string[]; info: { bytes: number } } | null;
      while ((entry = parser.read() as typeof entry) !== null) {
        if (!header) {
          header = entry.record;
          start = lastEnd = entry.info.bytes;
          continue;
        }
        const row = Object.fromEntries(header.map((h, i) => [h, entry!.record[i] ?? '']));
        const size = Buffer.byteLength(JSON.stringify({ index, row })) + 1;
        if (count > 0 && (count >= maxItems || bytes + size > maxBytes)) {
          ranges.push({ start, end: lastEnd, firstIndex: index - count, count });
          start = lastEnd;
          count = 0;
          bytes = overhead;
        }
        count++;
        bytes += size;
        index++;
        lastEnd = entry.info.bytes;
      }
    });
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  // Feed in slices so the parser's buffers stay small.
  for (let offset = 0; offset < csv.length; offset += 1 << 20) parser.write(csv.subarray(offset, offset + (1 << 20)));
  parser.end();
  await done;
  if (count > 0) ranges.push({ start, end: lastEnd, firstIndex: index - count, count });
  return { header: header ?? [], ranges };
}

/** The items of one batch (the played ItemReader + ItemSelector), parsed from its byte range. */
async function itemsOf(
  header: string[],
  slice: Buffer,
  firstIndex: number,
): Promise<{ index: number; row: Record<string, string> }[]> {
  const parser = parse({ relax_column_count: true, relax_quotes: true });
  const items: { index: number; row: Record<string, string> }[] = [];
  const done = new Promise<void>((resolve, reject) => {
    parser.on('readable', () => {
      let record: string[] | null;
      while ((record = parser.read() as string[] | null) !== null) {
        const r = record;
        items.push({
          index: firstIndex + items.length,
          row: Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])),
        });
      }
    });
    parser.on('end', () => resolve());
    parser.on('error', reject);
  });
  parser.end(slice);
  await done;
  return items;
}

/** Largest result file the player writes; Step Functions starts a new one past 5 GB, the player earlier (memory). */
const RESULT_FILE_BYTES = 32 * 1024 * 1024;

interface ChildOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: unknown;
  readonly input?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** Runs the definition; see the top of this file. */
export async function runLargeFileLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const definition = JSON.parse(JSON.stringify(options.definition)) as Record<string, unknown>;
  const [mapName, map] = findMap(definition);
  const reader = map.ItemReader!;
  const batcher = map.ItemBatcher ?? {};
  const writer = map.ResultWriter!;
  const maxItems = batcher.MaxItemsPerBatch ?? Number.MAX_SAFE_INTEGER;
  const maxBytes = batcher.MaxInputBytesPerBatch ?? 256 * 1024;
  const maxConcurrency = map.MaxConcurrency && map.MaxConcurrency > 0 ? map.MaxConcurrency : 1000;
  const toleratedPercentage = map.ToleratedFailurePercentage ?? 0;
  const processor = map.ItemProcessor!;
  const processorStates = processor.States as Record<string, Record<string, unknown>>;
  const [childTask] = Object.entries(processorStates).find(([, s]) => s.Type === 'Task')!;
  const states = definition.States as Record<string, Record<string, unknown>>;
  // What aws-local-stepfunctions runs instead of the map: a Task state (the played map run) with the map's own
  // ResultPath, Catch and transition, whose result is what the Distributed Map returns with a ResultWriter.
  const { ResultPath, Catch, Retry, Next, End, Comment } = map;
  states[mapName] = {
    Type: 'Task',
    Resource: 'arn:aws:states:::local:distributedMap',
    TimeoutSeconds: (definition.TimeoutSeconds as number | undefined) ?? 24 * 60 * 60,
    ...(Comment !== undefined ? { Comment } : {}),
    ...(ResultPath !== undefined ? { ResultPath } : {}),
    ...(Catch !== undefined ? { Catch } : {}),
    ...(Retry !== undefined ? { Retry } : {}),
    ...(Next !== undefined ? { Next } : {}),
    ...(End !== undefined ? { End } : {}),
  };

  let batches = 0;
  const call = async (payload: unknown) => ({ Payload: await options.worker(payload), StatusCode: 200 });
  const taskOf = (input: unknown) => (input as { Payload: Record<string, unknown> }).Payload;
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task' && name !== mapName) handlers[name] = (input: unknown) => call(taskOf(input));
  }

  // The child workflow: the definition's ItemProcessor, run by aws-local-stepfunctions (its Retry included).
  const childMachine = stateMachine({ StartAt: processor.StartAt, States: processor.States });
  const childHandlers = {
    [childTask]: async (input: unknown) => {
      const result = await call(taskOf(input));
      batches++;
      options.onBatch?.(result.Payload as { rowsWritten: number; rowsTotal: number });
      return result;
    },
  };

  handlers[mapName] = async (input: unknown) => {
    // The played ItemReader + ItemBatcher: batch ranges over the CSV the map reads.
    const params = evaluate(reader.Parameters ?? {}, input) as { Bucket: string; Key: string; VersionId?: string };
    const csv = await readBytes(options.s3, params.Bucket, params.Key, params.VersionId);
    const batchInput = evaluate(batcher.BatchInput ?? {}, input);
    const overhead = Buffer.byteLength(JSON.stringify({ Items: [], BatchInput: batchInput }));
    const { header, ranges } = await batchRanges(csv, maxItems, maxBytes, overhead);
    const childInputOf = async (range: LocalRange) => ({
      Items: await itemsOf(header, csv.subarray(range.start, range.end), range.firstIndex),
      BatchInput: batchInput,
    });

    // The map run: at most MaxConcurrency children at once; once more items failed than tolerated, it fails:
    // children still running are stopped (ABORTED; locally the player waits for their step to return, so nothing
    // writes after the map failed) and the rest are never started (PENDING).
    const totalItems = ranges.reduce((n, r) => n + r.count, 0);
    const outcomes: (ChildOutcome | undefined)[] = new Array<ChildOutcome | undefined>(ranges.length);
    let failedItems = 0;
    let mapError: Error | undefined;
    let next = 0;
    const runChild = async (i: number): Promise<void> => {
      const childInput = await childInputOf(ranges[i]);
      const execution = childMachine.run(childInput as never, {
        overrides: { taskResourceLocalHandlers: childHandlers as never, retryIntervalOverrides: { [childTask]: 0 } },
      });
      try {
        const output: unknown = await execution.result;
        outcomes[i] = mapError
          ? { status: 'ABORTED', input: JSON.stringify(childInput), error: 'States.Aborted' }
          : { status: 'SUCCEEDED', output };
      } catch (err) {
        if (mapError) {
          outcomes[i] = { status: 'ABORTED', input: JSON.stringify(childInput), error: 'States.Aborted' };
          return;
        }
        const cause = ((err as { cause?: unknown }).cause ?? err) as Error;
        outcomes[i] = { status: 'FAILED', input: JSON.stringify(childInput), error: cause.name, cause: cause.message };
        failedItems += ranges[i].count;
        if ((failedItems / totalItems) * 100 > toleratedPercentage) {
          mapError = Object.assign(
            new Error(
              `${failedItems} of ${totalItems} items failed, more than the tolerated ${toleratedPercentage}% (map run ${mapName})`,
            ),
            { name: 'States.ExceedToleratedFailureThreshold' },
          );
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(maxConcurrency, ranges.length) }, async () => {
        for (let i = next++; i < ranges.length && !mapError; i = next++) await runChild(i);
      }),
    );

    // The played ResultWriter: <Prefix>/<map run id>/manifest.json and the result files, as Step Functions writes
    // them, for a map run that failed as well as for one that succeeded.
    const target = evaluate(writer.Parameters ?? {}, input) as { Bucket: string; Prefix?: string };
    const mapRunId = randomUUID();
    const base = `${target.Prefix ? `${target.Prefix.replace(/\/+$/, '')}/` : ''}${mapRunId}/`;
    const mapRunArn = `arn:aws:states:local:000000000000:mapRun:local/${mapName}:${mapRunId}`;
    const resultFiles: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = {
      SUCCEEDED: [],
      FAILED: [],
      PENDING: [],
    };
    const jsonLines = writer.WriterConfig?.OutputType === 'JSONL';
    if ((writer.WriterConfig?.Transformation ?? 'NONE') !== 'NONE') {
      throw new Error(
        `the local player writes results untransformed only; ${mapName} asks for ${JSON.stringify(writer.WriterConfig)}`,
      );
    }
    const writeFiles = async (status: keyof typeof resultFiles, records: AsyncIterable<unknown>) => {
      let parts: string[] = [];
      let size = 0;
      const flush = async () => {
        if (parts.length === 0) return;
        const key = `${base}${status}_${resultFiles[status].length}.json`;
        // WriterConfig OutputType: JSON Lines, or (without it) one JSON array, as Step Functions writes them.
        const body = jsonLines ? `${parts.join('\n')}\n` : `[${parts.join(',')}]`;
        await options.s3.send(new PutObjectCommand({ Bucket: target.Bucket, Key: key, Body: body }));
        resultFiles[status].push({ Key: key, Size: Buffer.byteLength(body) });
        parts = [];
        size = 0;
      };
      for await (const record of records) {
        const text = JSON.stringify(record);
        parts.push(text);
        size += text.length;
        if (size >= RESULT_FILE_BYTES) await flush();
      }
      await flush();
    };
    const arnOf = (i: number) => `arn:aws:states:local:000000000000:execution:local/${mapName}:${mapRunId}:${i}`;
    // SUCCEEDED records carry their Input as in AWS (Transformation NONE), rebuilt from the CSV range as each record
    // is written, so the files Finish reads are the size they are in AWS.
    await writeFiles(
      'SUCCEEDED',
      (async function* () {
        for (const [i, o] of outcomes.entries()) {
          if (o?.status === 'SUCCEEDED') {
            yield {
              ExecutionArn: arnOf(i),
              Status: 'SUCCEEDED',
              Input: JSON.stringify(await childInputOf(ranges[i])),
              InputDetails: { Included: true },
              Output: JSON.stringify(o.output),
            };
          }
        }
      })(),
    );
    await writeFiles(
      'FAILED',
      (async function* () {
        for (const [i, o] of outcomes.entries()) {
          if (o && o.status !== 'SUCCEEDED') {
            yield {
              ExecutionArn: arnOf(i),
              Status: o.status,
              Input: o.input,
              InputDetails: { Included: true },
              Error: o.error,
              ...(o.cause !== undefined ? { Cause: o.cause } : {}),
            };
          }
        }
      })(),
    );
    await writeFiles(
      'PENDING',
      (async function* () {
        for (const [i, o] of outcomes.entries()) {
          if (!o) {
            yield {
              Status: 'PENDING',
              Input: JSON.stringify(await childInputOf(ranges[i])),
              InputDetails: { Included: true },
            };
          }
        }
      })(),
    );
    const manifestKey = `${base}manifest.json`;
    await options.s3.send(
      new PutObjectCommand({
        Bucket: target.Bucket,
        Key: manifestKey,
        Body: JSON.stringify({ DestinationBucket: target.Bucket, MapRunArn: mapRunArn, ResultFiles: resultFiles }),
      }),
    );
    if (mapError) throw mapError;
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: target.Bucket, Key: manifestKey } };
  };

  const machine = stateMachine(definition);
  const execution = machine.run(options.input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      retryIntervalOverrides: Object.fromEntries(Object.keys(states).map((n) => [n, 0])),
    },
    context: {
      Execution: {
        Name: options.executionName,
        Id: `arn:aws:states:local:000000000000:execution:local:${options.executionName}`,
      },
    } as never,
  });
  const output = await execution.result;
  return { output, batches };
}

/**
 * The state machine's definition from a synthesized template, with its intrinsics resolved the way
 * CloudFormation would: `Ref AWS::Partition` → 'aws', any `Fn::GetAtt` of a function's Arn → `functionArn`.
 */
export function definitionFromTemplate(
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> },
  functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:large-file-worker',
): Record<string, unknown> {
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine in the template; found ${machines.length}`);
  const resolve = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const n = node as Record<string, unknown>;
    if (n['Fn::Join']) {
      const [delimiter, parts] = n['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(delimiter);
    }
    if (n.Ref === 'AWS::Partition') return 'aws';
    if (n.Ref === 'AWS::Region') return 'us-east-1';
    if (n.Ref === 'AWS::AccountId') return '000000000000';
    if (n['Fn::GetAtt']) return functionArn;
    throw new Error(`cannot resolve ${JSON.stringify(node)} in the definition`);
  };
  return JSON.parse(resolve(machines[0].Properties!.DefinitionString)) as Record<string, unknown>;
}
