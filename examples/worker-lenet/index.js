// The Worker wrangler deploys (wrangler.toml's `main`): the LeNet of test/fixtures/lenet.json, a
// small LeNet trained in PyTorch (test accuracy 0.76). To serve your own model, import the JSON
// of its `model.stateDict({ json: true })` instead (the playground's "Save weights" writes one).
import fixture from '../../test/fixtures/lenet.json';
import { lenetWorker } from './worker.ts';

export default lenetWorker(fixture.stateDict);
