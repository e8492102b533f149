import { App } from 'aws-cdk-lib';
import { buildApp } from './app-builder.ts';
import { ENVIRONMENT_NAMES } from './config/environment-config.ts';

// The CDK CLI passes `-c env=<name>` (or cdk.json's default) through CDK_CONTEXT_JSON; an App reads
// it the same way the real one will. autoSynth off: it would write an empty assembly at exit.
const environment = new App({ autoSynth: false }).node.tryGetContext('env');
if (typeof environment !== 'string' || environment === '') {
  throw new Error(`No environment given: run cdk with -c env=<${ENVIRONMENT_NAMES.join('|')}>`);
}
buildApp({ environment }).app.synth();
