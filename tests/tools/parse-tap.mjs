// Parses a TAP stream (stdin) with node-tap's own parser and prints what it
// understood as JSON, so the Rust tests judge scimspec's TAP by a real
// consumer's reading, not by their own.
import { Parser } from 'tap-parser';

const points = [];
const parser = new Parser({ strict: true }, (final) => {
  process.stdout.write(JSON.stringify({ final, points }) + '\n');
});
parser.on('assert', (point) => {
  points.push({
    id: point.id,
    ok: point.ok,
    name: point.name,
    skip: point.skip,
    todo: point.todo,
    diag: point.diag ?? null,
  });
});
parser.on('version', (v) => { points.version = v; });
process.stdin.pipe(parser);
