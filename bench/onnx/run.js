// run.js - classifies windows with an ONNX model (from har-export) in ONNX
// Runtime, for make check's comparison with har-infer and for bench/.
//
//   node run.js MODEL.onnx WINDOWS.txt [--batch N]
//
// WINDOWS.txt holds one raw window a line, T x C numbers (har-infer's text
// input; T and C are the model's input shape).  Standard output: har-infer's text CSV without class names,
// line,label,p_0,...,p_K-1, the probabilities with 9 significant digits
// (a float's exact value).  One intra-op and one inter-op thread,
// sequential execution, every graph optimisation: ONNX Runtime as a
// deployment on one core runs it.  --batch N: windows per run (default 64).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function usage(msg) {
  process.stderr.write(`run.js: ${msg}\nusage: node run.js MODEL.onnx WINDOWS.txt [--batch N]\n`);
  process.exit(2);
}

async function main() {
  const args = process.argv.slice(2);
  let batch = 64;
  const i = args.indexOf('--batch');
  if (i >= 0) {
    batch = Number(args[i + 1]);
    args.splice(i, 2);
  }
  if (args.length !== 2 || !(batch >= 1)) usage('expected MODEL WINDOWS');
  const [model, windows] = args;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const shape = session.inputMetadata[0].shape; // ['batch', T, C]
  const T = Number(shape[1]), C = Number(shape[2]);
  const lines = fs.readFileSync(windows, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const x = new Float32Array(lines.length * T * C);
  lines.forEach((l, n) => {
    const v = l.trim().split(/\s+/).map(Number);
    if (v.length !== T * C || v.some((a) => !Number.isFinite(a)))
      usage(`${windows}:${n + 1}: expected ${T * C} numbers, got ${v.length}`);
    x.set(v, n * T * C);
  });
  let header = false;
  for (let s = 0; s < lines.length; s += batch) {
    const n = Math.min(batch, lines.length - s);
    const input = new ort.Tensor('float32', x.subarray(s * T * C, (s + n) * T * C), [n, T, C]);
    const out = await session.run({ window: input });
    const p = out.probabilities.data, label = out.label.data, K = p.length / n;
    if (!header) {
      process.stdout.write('line,label' + Array.from({ length: K }, (_, k) => `,p_${k}`).join('') + '\n');
      header = true;
    }
    let text = '';
    for (let r = 0; r < n; r++) {
      text += `${s + r + 1},${label[r]}`;
      for (let k = 0; k < K; k++) text += ',' + Number(p[r * K + k].toPrecision(9));
      text += '\n';
    }
    process.stdout.write(text);
  }
}

main().catch((err) => {
  process.stderr.write(`run.js: ${err.message}\n`);
  process.exit(1);
});
