#!/usr/bin/env node
// `warp`: deploys, lists, scales and removes the apps of a running node through its admin API.

import { parseArgs, type ParseArgsConfig } from 'node:util';

import type { AppView } from '../control/app-view.js';
import { AdminClient } from './admin-client.js';
import { CliError, usageError } from './cli-error.js';
import { deployRequest } from './deploy-request.js';
import {
  appTable, deployedLine, removedLine, scaledLine, statusLines, type DeployAnswer,
} from './render.js';

const USAGE = `Usage: warp <verb> [arguments] [flags]

  warp deploy <file.wasm> [--name hello] [--min 1] [--max 64] [--env K=V]...
              [--allow-host https://api.example.com]... [--file ./static:/static]...
              [--memory 64MiB] [--timeout 2s] [--route /r/hello]
  warp deploy --manifest hello.toml [<file.wasm>] [the flags above override the file]
  warp list
  warp scale <name> [--min N] [--max N]
  warp remove <name>
  warp status

Every verb takes:
  --server <url>       the node's admin API (default http://127.0.0.1:8444)
  --token-file <file>  its bearer token (default ./.warpgrid/admin-token)
  --json               print the admin API's JSON answer instead of text
`;

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  server: { type: 'string', default: 'http://127.0.0.1:8444' },
  'token-file': { type: 'string', default: './.warpgrid/admin-token' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
};

const VERBS: Record<string, { options: Options; positionals: number }> = {
  deploy: {
    positionals: 1,
    options: {
      manifest: { type: 'string' }, name: { type: 'string' }, route: { type: 'string' },
      min: { type: 'string' }, max: { type: 'string' }, memory: { type: 'string' },
      timeout: { type: 'string' }, env: { type: 'string', multiple: true, default: [] },
      'allow-host': { type: 'string', multiple: true, default: [] },
      file: { type: 'string', multiple: true, default: [] },
    },
  },
  list: { positionals: 0, options: {} },
  scale: { positionals: 1, options: { min: { type: 'string' }, max: { type: 'string' } } },
  remove: { positionals: 1, options: {} },
  status: { positionals: 0, options: {} },
};

type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

async function main(argv: string[]): Promise<void> {
  const { verb, rest } = splitVerb(argv);
  if (verb === undefined || verb === 'help' || verb === '--help' || verb === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  const shape = VERBS[verb];
  if (shape === undefined) {
    throw usageError(`unknown verb '${verb}'; the verbs are ${Object.keys(VERBS).join(', ')}`);
  }
  const { values, positionals } = readArgs(rest, shape.options);
  if (values.help === true) return void process.stdout.write(USAGE);
  if (positionals.length > shape.positionals) {
    throw usageError(`warp ${verb} takes ${shape.positionals || 'no'} argument` +
      `${shape.positionals === 1 ? '' : 's'}; got ${positionals.join(' ')}`);
  }

  const json = values.json === true;
  const answer = await runVerb(verb, values, positionals[0]);
  process.stdout.write(`${json ? JSON.stringify(answer.json) : answer.text}\n`);
}

async function runVerb(verb: string, values: Values, arg: string | undefined): Promise<{
  json: unknown; text: string;
}> {
  const client = () => new AdminClient(values.server as string, values['token-file'] as string);
  switch (verb) {
    case 'deploy': {
      const request = deployRequest({
        file: arg, manifest: str(values.manifest), name: str(values.name),
        route: str(values.route), min: str(values.min), max: str(values.max),
        memory: str(values.memory), timeout: str(values.timeout), env: strs(values.env),
        allowHost: strs(values['allow-host']), files: strs(values.file),
      });
      const answer = await client().post('/v1/apps', {
        bytes: request.bytes, contentType: 'application/wasm', label: request.name,
        headers: { 'warp-manifest': asciiJson(request.doc) },
      }) as DeployAnswer;
      return { json: answer, text: deployedLine(answer) };
    }
    case 'list': {
      const answer = await client().get('/v1/apps') as { apps: AppView[] };
      return { json: answer, text: appTable(answer.apps) };
    }
    case 'scale': {
      const name = required(arg, 'scale');
      if (values.min === undefined && values.max === undefined) {
        throw usageError('warp scale needs --min, --max or both');
      }
      const bounds = {
        min: wholeNumber('--min', values.min), max: wholeNumber('--max', values.max),
      };
      const answer = await client().postJson(`/v1/apps/${name}/scale`, bounds) as { app: AppView };
      return { json: answer, text: scaledLine(answer.app) };
    }
    case 'remove': {
      const name = required(arg, 'remove');
      const answer = await client().delete(`/v1/apps/${name}`) as {
        removed: string; servedAgainBy: string | null;
      };
      return { json: answer, text: removedLine(answer.removed, answer.servedAgainBy) };
    }
    default: {
      const answer = await client().get('/v1/status');
      return { json: answer, text: statusLines(answer as Parameters<typeof statusLines>[0]) };
    }
  }
}

/** The verb is the first argument that is neither a flag nor a flag's value. */
function splitVerb(argv: string[]): { verb: string | undefined; rest: string[] } {
  const every = Object.assign({}, COMMON, ...Object.values(VERBS).map((v) => v.options));
  const { tokens } = parseArgs({ args: argv, options: every, allowPositionals: true,
    strict: false, tokens: true });
  const first = tokens.find((t) => t.kind === 'positional');
  if (first === undefined) return { verb: undefined, rest: argv };
  return { verb: first.value, rest: argv.filter((_, i) => i !== first.index) };
}

function readArgs(args: string[], options: Options) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true,
      strict: true });
  } catch (err) {
    throw usageError(`${(err as Error).message.split('\n')[0]}; see warp --help`);
  }
}

/** Non-ASCII is escaped so the JSON is a valid header value on any HTTP stack. */
function asciiJson(doc: object): string {
  return JSON.stringify(doc).replace(/[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function wholeNumber(flag: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) {
    throw usageError(`${flag} must be a whole number, got '${String(raw)}'`);
  }
  return Number(raw);
}

function required(arg: string | undefined, verb: string): string {
  if (arg === undefined) throw usageError(`warp ${verb} needs the app name: warp ${verb} <name>`);
  return encodeURIComponent(arg);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function strs(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const json = process.argv.includes('--json');
  const cli = err instanceof CliError ? err : new CliError((err as Error).message);
  if (json) {
    const body = { error: { code: cli.code ?? 'WARP_E_CLI', message: cli.message } };
    process.stdout.write(`${JSON.stringify(body)}\n`);
  } else {
    process.stderr.write(`warp: ${cli.message.replace(/\s*\n\s*/g, ' ')}\n`);
  }
  process.exitCode = cli.exitCode;
});
