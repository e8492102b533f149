#!/usr/bin/env -S npx tsx
// The SDK warns on Node 20 about releases due in 2027; it says nothing about this run and would
// only bury the drill's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
